from servicekit.service import serve
from servicekit.settings import ServiceSettings
from services.awards.app import NAME, create

settings = ServiceSettings(service=NAME)
serve(create(settings), settings)
