"""Streamlit app for credit officers: scores, explanations and monitoring from the scoring API.

It talks to the API over HTTP only (never imports the model nor another stage), so what it
shows is what the deployed API answers.
"""
