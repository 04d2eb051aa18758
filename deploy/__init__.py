"""The container image's start-up: deploy/entrypoint.sh runs ``python -m deploy.prepare``, then Streamlit."""
