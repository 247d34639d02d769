# VTU AutoPilot: one image for every process (`autopilot worker`, `scheduler`, `telegram`,
# `discord`, `dashboard`, `metrics`, ...). The project is installed here, at build time, and
# the container runs as an unprivileged user.
#   docker build -t vtu-autopilot .
#   docker run --rm vtu-autopilot --help
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY config config
COPY core core
COPY bot bot
COPY workers workers
COPY emulators emulators
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
COPY --from=build /install /usr/local
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin autopilot
USER autopilot
WORKDIR /home/autopilot
ENTRYPOINT ["autopilot"]
CMD ["--help"]
