# newsmon with Airflow 3, installed from the same lock file as `make test`, plus the image's
# own pins (the Postgres driver and the FAB auth manager). Built once (by the newsmon-setup
# service of docker-compose.yml) and used by every newsmon and Airflow service. It runs as the
# unprivileged user airflow (uid AIRFLOW_UID, group 0), as Airflow's own image does.
FROM python:3.11-slim
ARG AIRFLOW_UID=50000
RUN useradd --uid "${AIRFLOW_UID}" --gid 0 --home-dir /opt/airflow --create-home airflow \
 && mkdir -p /data/landing /opt/newsmon \
 && chown -R "${AIRFLOW_UID}:0" /data /opt/airflow \
 && chmod -R g+rwX /data /opt/airflow
WORKDIR /opt/newsmon
COPY requirements.lock requirements-nlp-model.txt requirements-docker.txt ./
RUN pip install --no-cache-dir --upgrade pip \
 && pip install --no-cache-dir --require-hashes -r requirements.lock -r requirements-docker.txt \
 && pip install --no-cache-dir --no-deps --require-hashes -r requirements-nlp-model.txt
COPY . .
RUN pip install --no-cache-dir --no-deps --no-build-isolation .
ENV AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/newsmon/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    NEWSMON_LANDING=/data/landing
USER ${AIRFLOW_UID}
