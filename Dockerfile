# One image for the four services; the compose file picks the service with its command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY requirements.lock ./
RUN uv pip install --system --no-cache -r requirements.lock
COPY schemas ./schemas
COPY servicekit ./servicekit
COPY services ./services
COPY infra ./infra

RUN useradd --system --uid 10001 thidua
USER thidua
ENV THIDUA_HTTP_HOST=0.0.0.0 THIDUA_HTTP_PORT=8000
EXPOSE 8000
CMD ["python", "-m", "services.registry"]
