# Read by the flask command (python-dotenv) on a developer's machine; never by gunicorn.
CLUB_ENV=development
