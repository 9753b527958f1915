"""Batch page (file-based so AppTest can switch to it)."""

from credit_frontend.page_batch import page

page()
