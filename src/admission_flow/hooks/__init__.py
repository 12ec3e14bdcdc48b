"""The hook specifications (``admission_flow_*``) and the markers plugins use.

Below the standard procedure and the plugin manager, so that both, and third-party
plugins, depend on it and it on neither.
"""
