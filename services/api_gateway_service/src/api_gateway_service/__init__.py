"""The only public API: JWT auth, rate limits, request validation, OpenAPI docs and a header-
cleaning proxy to the internal services.
"""
