"""An HTTP API over the register, its OpenAPI 3.1 document, and the clerk's pages.

Needs the ``serve`` extra (``pip install 'admission-flow[serve]'``). Run it with
``admission-flow serve``, or mount ``create_app(register, keys=load_keys(FILE))``
in an ASGI application of your own. See ``docs/embedding-over-http.md``.
"""

from ._app import create_app
from ._keys import Key, Keys, KeysFileError, hash_key, load_keys, new_key
from ._openapi import openapi
from ._requests import MAX_BODY_BYTES

__all__ = [
    "MAX_BODY_BYTES",
    "Key",
    "Keys",
    "KeysFileError",
    "create_app",
    "hash_key",
    "load_keys",
    "new_key",
    "openapi",
]
