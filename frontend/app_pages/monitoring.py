"""Monitoring page (file-based so AppTest can switch to it)."""

from credit_frontend.page_monitoring import page

page()
