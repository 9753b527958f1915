"""Entry script (``streamlit run frontend/streamlit_app.py``; Community Cloud's main file)."""

from credit_frontend.app import main

main()
