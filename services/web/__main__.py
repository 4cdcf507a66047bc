from servicekit.service import serve
from services.web.app import create
from services.web.config import WebSettings

settings = WebSettings()
serve(create(settings), settings)
