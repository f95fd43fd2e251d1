#!/usr/bin/python3
"""Browser tests of the staff console (issue 11) in real headless Chromium.

Starts its own vaktd on a copy of config/vakt.conf (outbox.print on, so
the login codes are read from vaktd's printed outbox), with the demo
directory and one leader, and drives the pages as staff do: log in by
code, register an absence with a substitute and see `vaktctl route`
change, add a rota slot, see an SMS appear in the follow-up queue and
mark it done, open the report, log out.  Once as a phone shows it
(Chromium's mobile emulation at 390x844) and once at 1280x800; the
screenshots go to build/ (and, with VAKT_SCREENSHOT_DOCS=1, the phone's
front page to docs/console.png: `make console-screenshot`).

Usage: tests/browser/test_console.py (VAKT_BUILD: the build directory).
Exits 0 when every check holds.
"""

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("VAKT_BUILD", os.path.join(ROOT, "build"))
SERVICE = "+4755000000"
LEADER = "+4791000099"  # added below, role leader
YOUTH = "+4791000001"  # Ola, kari's youth in config/demo.csv
KARI = "+4791000010"
PER = "+4791000020"
CODE = re.compile(r"To:   (\+\d+)\nFrom: [^\n]*\n\nvakt: Din innloggingskode er (\d{6})")

SIZES = [
    ("phone", {"mobileEmulation": {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3.0},
                                   "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) "
                                                "AppleWebKit/537.36 (KHTML, like Gecko) "
                                                "Chrome/120.0 Mobile Safari/537.36"}}),
    ("desktop", {"window": "1280,800"}),
]


class Env:
    """A vaktd of its own in a temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vakt-browser-")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.conf = os.path.join(self.dir, "vakt.conf")
        self.err_path = os.path.join(self.dir, "vaktd.err")
        self.proc = None
        self.n_sms = 0

    def ctl(self, *args):
        out = subprocess.run([os.path.join(BUILD, "vaktctl"), "-c", self.conf] + list(args),
                             capture_output=True, text=True, timeout=20, check=False)
        if out.returncode != 0:
            raise AssertionError("vaktctl %s: %s" % (" ".join(args), out.stderr))
        return out.stdout

    def start(self):
        with open(os.path.join(ROOT, "config", "vakt.conf"), encoding="utf-8") as f:
            text = f.read()
        text = text.replace("port = 8080;", "port = %d;" % self.port)
        text = text.replace('public_url = "http://127.0.0.1:8080";', 'public_url = "%s";' % self.url)
        text = text.replace("retry_first = 2;", "retry_first = 1;")
        if "outbox.print" not in text and "print = true;" not in text:
            raise AssertionError("config/vakt.conf has no outbox print = true;")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(text)
        self.ctl("init")
        self.ctl("import", os.path.join(ROOT, "config", "demo.csv"))
        self.ctl("staff", "add", "lea", "--name", "Lea Leder", "--phone", LEADER, "--role", "leader")
        err = open(self.err_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen([os.path.join(BUILD, "vaktd"), "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=err)
        err.close()
        for _ in range(100):
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        raise AssertionError("vaktd did not start: " + self.stderr())

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def stderr(self):
        with open(self.err_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def codes(self, phone):
        return [c for to, c in CODE.findall(self.stderr()) if to == phone]

    def wait_code(self, phone, n):
        """The n-th login code printed for phone (waits up to 10 s)."""
        for _ in range(200):
            got = self.codes(phone)
            if len(got) >= n:
                return got[n - 1]
            time.sleep(0.05)
        raise AssertionError("no login code %d for %s" % (n, phone))

    def sms(self, sender, body):
        """A signed Twilio SMS webhook from sender to the service."""
        self.n_sms += 1
        sid = "SM%032x" % (0xB0 + self.n_sms)
        form = [("MessageSid", sid), ("SmsSid", sid), ("AccountSid", "AC" + "0" * 32),
                ("From", sender), ("To", SERVICE), ("Body", body), ("NumMedia", "0"),
                ("NumSegments", "1"), ("SmsStatus", "received"), ("ApiVersion", "2010-04-01")]
        sig = self.ctl("sign", "/twilio/sms", *["%s=%s" % kv for kv in form]).strip()
        req = urllib.request.Request(self.url + "/twilio/sms", data=urllib.parse.urlencode(form).encode(),
                                     headers={"X-Twilio-Signature": sig})
        with urllib.request.urlopen(req, timeout=5) as r:
            check(r.status == 200, "the SMS webhook answers 200")

    def db(self, sql):
        con = sqlite3.connect(os.path.join(self.dir, "vakt.db"), timeout=5)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()

    def first_step(self, at):
        out = json.loads(self.ctl("route", "--from", YOUTH, "--at", at, "--json"))
        return out["steps"][0]["number"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check(ok, what):
    if not ok:
        raise AssertionError(what)


def browser(size):
    profile = tempfile.mkdtemp(prefix="vakt-chromium-")
    opts = Options()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--user-data-dir=" + profile, "--lang=nb"]:
        opts.add_argument(flag)
    if "mobileEmulation" in size:
        opts.add_experimental_option("mobileEmulation", size["mobileEmulation"])
    else:
        opts.add_argument("--window-size=" + size["window"])
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    drv = webdriver.Chrome(service=service, options=opts)
    drv.set_page_load_timeout(15)
    return drv, profile


def wait_for(drv, css):
    return WebDriverWait(drv, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, css))


def set_value(drv, el, value):
    """Date inputs take keys in the browser's locale: set the value itself."""
    drv.execute_script("arguments[0].value = arguments[1];", el, value)


def shot(drv, name):
    path = os.path.join(BUILD, "console-%s.png" % name)
    drv.save_screenshot(path)
    return path


def fits(drv, name, width):
    """Nothing wider than the screen: no sideways scrolling on a phone."""
    w = drv.execute_script("return document.documentElement.scrollWidth;")
    check(w <= width, "%s: the page is %d px wide on a %d px screen" % (name, w, width))


def log_in(env, drv, phone):
    drv.get(env.url + "/app/")
    check(drv.current_url.endswith("/app/login"), "no session: the login page")
    n = len(env.codes(phone))
    drv.find_element(By.ID, "phone").send_keys(phone)
    drv.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    code = env.wait_code(phone, n + 1)
    wait_for(drv, "#code").send_keys(code)
    drv.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    WebDriverWait(drv, 10).until(lambda d: "Hvem svarer nå" in d.page_source)
    check(drv.current_url.endswith("/app/"), "logged in: the front page")


def absence(env, drv, tag):
    check(env.first_step("2030-01-10T10:00") == KARI, "kari answers first")
    drv.get(env.url + "/app/absences")
    Select(drv.find_element(By.ID, "coordinator")).select_by_value("kari")
    set_value(drv, drv.find_element(By.ID, "from"), "2030-01-10")
    set_value(drv, drv.find_element(By.ID, "to"), "2030-01-10")
    Select(drv.find_element(By.ID, "substitute")).select_by_value("per")
    drv.find_element(By.CSS_SELECTOR, "form[action='/app/absences'] button").click()
    WebDriverWait(drv, 10).until(lambda d: "2030-01-10" in d.page_source)
    check(env.first_step("2030-01-10T10:00") == PER, "the substitute answers")
    shot(drv, tag + "-absences")
    drv.find_element(By.CSS_SELECTOR, "form[action$='/delete'] button").click()
    WebDriverWait(drv, 10).until(lambda d: "Ingen fravær" in d.page_source)
    check(env.first_step("2030-01-10T10:00") == KARI, "removed: kari again")


def rota(env, drv, tag, day):
    drv.get(env.url + "/app/rota")
    Select(drv.find_element(By.ID, "service")).select_by_value("due")
    drv.find_element(By.ID, "staff").send_keys("lea")
    set_value(drv, drv.find_element(By.ID, "from"), "2030-03-%02dT20:00" % day)
    set_value(drv, drv.find_element(By.ID, "to"), "2030-03-%02dT08:00" % (day + 1))
    drv.find_element(By.CSS_SELECTOR, "form[action='/app/rota'] button").click()
    WebDriverWait(drv, 10).until(lambda d: "%02d.03.2030 20:00" % day in d.page_source)
    check(env.db("SELECT count(*) FROM rota WHERE staff = 'lea'") >= 1, "the slot is kept")
    shot(drv, tag + "-rota")


def followup(env, drv, tag):
    env.sms(YOUTH, "Hei, kan noen ringe meg?")
    drv.get(env.url + "/app/followups")
    check("Ola" in drv.page_source, "the SMS is in the follow-up queue")
    check("kan noen ringe" not in drv.page_source, "no message text on the page")
    shot(drv, tag + "-followups")
    Select(drv.find_element(By.CSS_SELECTOR, "select[name=outcome]")).select_by_value("called_back")
    drv.find_element(By.CSS_SELECTOR, "form[action$='/done'] button").click()
    WebDriverWait(drv, 10).until(lambda d: "Ingen åpne oppfølginger" in d.page_source)
    check(env.db("SELECT count(*) FROM followups WHERE state = 0") == 0, "marked done")


def report(env, drv, tag):
    drv.get(env.url + "/app/report")
    drv.find_element(By.ID, "period").send_keys(time.strftime("%Y-%m"))
    drv.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    WebDriverWait(drv, 15).until(lambda d: "/api/v1/report" in d.current_url)
    check("<html" in drv.page_source.lower(), "the HTML report")
    shot(drv, tag + "-report")


def run_size(env, tag, size, day):
    drv, profile = browser(size)
    width = 390 if tag == "phone" else 1280
    try:
        log_in(env, drv, LEADER)
        fits(drv, "/app/", width)
        shot(drv, tag + "-now")
        absence(env, drv, tag)
        fits(drv, "/app/absences", width)
        rota(env, drv, tag, day)
        fits(drv, "/app/rota", width)
        followup(env, drv, tag)
        fits(drv, "/app/followups", width)
        report(env, drv, tag)
        drv.get(env.url + "/app/")
        drv.find_element(By.CSS_SELECTOR, "form[action='/app/logout'] button").click()
        WebDriverWait(drv, 10).until(lambda d: d.current_url.endswith("/app/login"))
        drv.get(env.url + "/app/")
        check(drv.current_url.endswith("/app/login"), "logged out")
    except Exception:
        shot(drv, tag + "-failure")
        raise
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    t0 = time.monotonic()
    env = Env()
    try:
        env.start()
        for i, (tag, size) in enumerate(SIZES):
            run_size(env, tag, size, 1 + 2 * i)
            print("browser: %s ok" % tag)
    except Exception as e:  # report and fail
        print("browser: FAILED: %s" % e, file=sys.stderr)
        print(env.stderr()[-2000:] if env.proc else "", file=sys.stderr)
        return 1
    finally:
        env.stop()
    # `make console-screenshot` refreshes the README's picture; a plain
    # `make check` leaves the tree as it was.
    if os.environ.get("VAKT_SCREENSHOT_DOCS") == "1":
        shutil.copyfile(os.path.join(BUILD, "console-phone-now.png"),
                        os.path.join(ROOT, "docs", "console.png"))
    print("browser: all ok in %.1f s" % (time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
