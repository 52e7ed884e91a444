"""The application as gunicorn serves it, plus a bare endpoint to compare every page against."""

from school import create_app

app = create_app()


@app.get("/_bench/hello")
def hello() -> str:
    return "hello"
