from club import create_app

app = create_app()
