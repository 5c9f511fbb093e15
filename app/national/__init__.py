"""The national CBCCVC database of Bộ Nội vụ (issue 18): its contract (``docs/national-api.md``,
``docs/national-api.yaml``), the records we send and pull (:mod:`.records`) and the HTTP client (:mod:`.client`).

The stand-in server of the contract, for tests and demos, is the separate package ``app/national_stub``.
"""
