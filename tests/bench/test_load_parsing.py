"""The pure parts of bench/: reading wrk's report. Timings are never asserted anywhere."""

import pytest

from bench.load import parse_wrk

URL = "http://127.0.0.1:5000/webinars/"

# wrk 4.1 pads the latency column: some lines end in spaces.
SLOW = (
    "Running 2s test @ http://127.0.0.1:5000/webinars/\n"
    "  1 threads and 16 connections\n"
    "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n"
    "    Latency   546.23ms  309.30ms   1.18s    75.93%\n"
    "    Req/Sec    38.15     15.63    60.00     69.23%\n"
    "  Latency Distribution\n"
    "     50%  394.21ms\n"
    "     75%  814.81ms\n"
    "     90%    1.10s \n"
    "     99%    1.18s \n"
    "  54 requests in 2.05s, 495.54KB read\n"
    "Requests/sec:     26.36\n"
    "Transfer/sec:    241.92KB\n"
)

FAST_WITH_ERRORS = """Running 8s test @ http://127.0.0.1:5000/webinars/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.19ms    2.01ms  40.12ms   90.00%
    Req/Sec     1.30k   100.00     1.50k    70.00%
  Latency Distribution
     50%  850.00us
     75%    6.50ms
     90%    8.00ms
     99%   12.50ms
  20800 requests in 8.00s, 3.00MB read
  Socket errors: connect 1, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:   2600.12
Transfer/sec:    384.00KB
"""


def test_reads_rate_and_percentiles_in_seconds():
    result = parse_wrk(URL, SLOW)
    assert result.url == URL
    assert result.requests_per_second == 26.36
    assert result.p50_ms == pytest.approx(394.21)
    assert result.p99_ms == pytest.approx(1180.0)
    assert result.errors == 0


def test_reads_microseconds_and_counts_every_kind_of_error():
    result = parse_wrk(URL, FAST_WITH_ERRORS)
    assert result.requests_per_second == 2600.12
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(12.5)
    assert result.errors == 1 + 2 + 0 + 3 + 4


def test_refuses_a_latency_it_cannot_read():
    broken = SLOW.replace("394.21ms", "394.21min")
    with pytest.raises(ValueError, match="latency"):
        parse_wrk(URL, broken)
