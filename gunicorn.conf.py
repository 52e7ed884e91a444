"""gunicorn settings for `make serve`: access lines without client addresses or secret tokens.

The app is loaded once, before the workers fork, so they share its imports instead of each
paying for them. The print engine is not among them: web workers never render a PDF.
"""

from school.security import gunicorn_logger_class

logger_class = gunicorn_logger_class()
accesslog = "-"
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
preload_app = True
