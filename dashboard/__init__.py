"""Dateline dashboard: a Streamlit app over the events table (see dashboard/app.py)."""
