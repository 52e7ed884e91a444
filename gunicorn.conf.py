"""gunicorn settings for `make serve`: access lines without client addresses or secret tokens."""

from school.security import gunicorn_logger_class

logger_class = gunicorn_logger_class()
accesslog = "-"
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
