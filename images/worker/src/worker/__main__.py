"""The example background worker."""
import time

import requests

from money import cents

if __name__ == "__main__":
    print("worker up, requests", requests.__version__, "fee", cents("0.25"), flush=True)
    while True:
        time.sleep(60)
