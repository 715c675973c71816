"""The HTTP API (FastAPI, OpenAPI 3.1) over the service layer (issue 5; docs/api.md)."""

from fairscreen.entrypoints.api.app import create_app, mount_web

__all__ = ["create_app", "mount_web"]
