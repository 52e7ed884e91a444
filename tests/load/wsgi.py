"""The application as gunicorn serves it for the load tests.

It is ``bench.wsgi`` (the app plus a bare ``/_bench/hello`` to wait for) with the test suite's
cheap Argon2 parameters (the same as tests/conftest.py), so that hundreds of students can log
in within seconds and the passwords created by the tests never need rehashing.
"""

from argon2 import PasswordHasher

from school import passwords

passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
passwords._DUMMY_HASH = passwords._hasher.hash("dummy")

from bench.wsgi import app  # noqa: E402

__all__ = ["app"]
