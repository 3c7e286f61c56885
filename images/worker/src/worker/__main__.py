import time

import requests

if __name__ == "__main__":
    print("worker up, requests", requests.__version__, flush=True)
    while True:
        time.sleep(60)
