import gc

from portal import create_app

app = create_app()
# Everything made so far lives as long as the process: leave it out of the garbage
# collector's full passes (and, under gunicorn, out of copy-on-write page faults after fork).
gc.freeze()
