"""Entry point: `python -m app` serves on HOST:PORT (uvicorn, behind the provider's proxy)."""

import uvicorn

from app.config import settings
from app.main import create_app

if __name__ == "__main__":
    uvicorn.run(create_app(), host=settings().host, port=settings().port, proxy_headers=True,
                forwarded_allow_ips="*", access_log=False)
