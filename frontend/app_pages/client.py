"""Client page (file-based so AppTest can switch to it)."""

from credit_frontend.page_client import page

page()
