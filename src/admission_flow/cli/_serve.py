"""``admission-flow serve`` (the HTTP API) and ``serve-key`` (a new key and its keys-file entry).

``serve`` needs the ``serve`` extra; without it, it says so in one line and
exits 2. It refuses to start without ``--keys``, and ``--no-auth`` anywhere but
on a loopback address (127.0.0.0/8, ::1, localhost). Before the workers start,
it creates or upgrades the register and keeps the unit file's units and members
in it, so that a case can be opened by unit id.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from admission_flow.exceptions import InputError, StoreError

if TYPE_CHECKING:
    from admission_flow.plugins._manager import Plugins

from ._output import EXIT_OK

__all__ = ["COMMANDS", "add_commands", "run"]

COMMANDS = ("serve", "serve-key")


def add_commands(commands: Any, db_help: str) -> None:
    serve = commands.add_parser("serve", help="serve the register over HTTP (OpenAPI 3.1)")
    serve.add_argument("--db", metavar="URL", required=True, help=db_help)
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="the port (8000)")
    serve.add_argument("--workers", type=int, default=1, metavar="N", help="processes (1)")
    serve.add_argument("--keys", metavar="FILE", help="the keys file (YAML): who may do what")
    serve.add_argument(
        "--no-auth",
        action="store_true",
        help="serve without keys: only on a loopback address, for trying it out",
    )
    serve.add_argument(
        "--units", metavar="FILE", help="the unit file: its units are kept, reports use it"
    )
    serve.add_argument(
        "--procedure",
        action="append",
        default=[],
        metavar="FILE",
        help="a procedure file cases may also be opened with; repeatable",
    )

    key = commands.add_parser(
        "serve-key", help="make a new key and print its entry for the keys file"
    )
    key.add_argument("--name", required=True, help="the key's name, shown in logs and pages")
    key.add_argument("--role", required=True, help="the role it acts as (cell, cell_committee...)")
    key.add_argument("--actor", metavar="MEMBER_ID", help="the member, for the role 'member'")
    key.add_argument(
        "--unit",
        action="append",
        required=True,
        metavar="UNIT",
        help="a unit it acts on ('*': all)",
    )
    key.add_argument("--read", action="append", default=[], metavar="UNIT", help="a unit it reads")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace, plugins: Plugins, out: TextIO) -> int:
    if args.command == "serve-key":
        return _serve_key(args, out)
    return _serve(args, plugins, out)


def _serve_key(args: argparse.Namespace, out: TextIO) -> int:
    import json

    from admission_flow.serve._keys import hash_key, new_key

    key = new_key()
    entry = [
        f"  - name: {json.dumps(args.name)}",
        f"    sha256: {hash_key(key)}",
        f"    role: {json.dumps(args.role)}",
    ]
    if args.actor:
        entry.append(f"    actor: {json.dumps(args.actor)}")
    entry.append(f"    units: {json.dumps(args.unit, ensure_ascii=False)}")
    if args.read:
        entry.append(f"    read: {json.dumps(args.read, ensure_ascii=False)}")
    print(f"# key / khóa (give it to its holder; it is not kept anywhere): {key}", file=out)
    print("# add under 'keys:' in the keys file / thêm vào dưới 'keys:' trong tệp khóa:", file=out)
    print("\n".join(entry), file=out)
    return EXIT_OK


def _serve(args: argparse.Namespace, plugins: Plugins, out: TextIO) -> int:
    try:
        import uvicorn

        from admission_flow import serve  # noqa: F401  (the extra's packages are there)
        from admission_flow.serve._worker import ENVIRONMENT, Settings, load, put_units
        from admission_flow.store import Register
    except ImportError as exc:
        raise StoreError(
            f"serve needs packages that are not installed ({exc.name}): "
            "pip install 'admission-flow[serve]'"
        ) from None
    if args.keys is None and not args.no_auth:
        raise InputError(
            "serve needs --keys FILE (who may do what); or --no-auth, on 127.0.0.1 only",
            field="keys",
        )
    if args.keys is not None and args.no_auth:
        raise InputError("give --keys FILE or --no-auth, not both", field="no-auth")
    if args.no_auth and not _loopback(args.host):
        raise InputError(
            f"--no-auth serves without keys: only on a loopback address (127.0.0.1, ::1), "
            f"not --host {args.host}; give --keys FILE",
            field="no-auth",
        )
    if not 0 < args.workers <= 64:
        raise InputError(f"--workers is 1 to 64, not {args.workers}", field="workers")
    settings = Settings(
        db=args.db,
        keys=args.keys,
        no_auth=args.no_auth,
        units=args.units,
        procedures=tuple(args.procedure),
        plugins=tuple(args.plugin),
    )
    _, keys, units = load(settings, plugins)  # every mistake before a worker starts
    with Register.create(args.db, plugins=plugins) as register:
        kept = put_units(register, units) if units is not None else 0
        where = register.where
    print(
        f"admission-flow serve: {where}, {kept} units kept, "
        + (f"{len(keys)} keys" if keys is not None else "NO KEYS (--no-auth)")
        + f"; http://{args.host}:{args.port}/openapi.json",
        file=sys.stderr,
    )
    os.environ[ENVIRONMENT] = settings.to_environment()
    uvicorn.run(
        "admission_flow.serve._worker:app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        server_header=False,
        log_level="info",
    )
    return EXIT_OK
