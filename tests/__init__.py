ENGLISH = {"Accept-Language": "en"}
"""The tests' clients read the services' answers in English, the source language: a person's
token is answered in Vietnamese unless the request asks otherwise (servicekit/messages.py)."""
