"""What every PyTorch benchmark measures the same way as bench/timing.h: the median wall time of
repeated runs after a warm-up, and the process's peak resident memory."""
import resource
import statistics
import time


def median_seconds(run, warmup, repeats):
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mb():
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
