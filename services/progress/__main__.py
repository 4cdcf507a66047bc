from servicekit.service import serve
from servicekit.settings import ServiceSettings
from services.progress.app import NAME, create

settings = ServiceSettings(service=NAME)
serve(create(settings), settings)
