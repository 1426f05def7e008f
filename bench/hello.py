"""The yardstick of bench/pages.py: the smallest Flask app, served by the same gunicorn settings.

    gunicorn -c gunicorn.conf.py bench.hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
