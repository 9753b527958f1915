"""Model card page (file-based so AppTest can switch to it)."""

from credit_frontend.page_model_card import page

page()
