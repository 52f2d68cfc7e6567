#!/usr/bin/env python3
"""Concurrent report writers for bench/run.sh (issue 14): WRITERS secretaries sign in, open
this month's report draft, and for SECONDS each saves her draft again and again (every
save changes every line's 本月工作 text); then all of them press 提交审核 at the same moment.
Afterwards every report is read back: each line must show the text of the last save that
got a success answer (a lost line is counted).

Prints one line per figure, `name value`, for run.sh to put in the table. Standard library
only (no packages to install on a fresh machine).

usage: writers.py BASE_URL PASSWORD SECONDS WRITERS
"""

import http.cookiejar
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

BASE, PASSWORD, SECONDS, WRITERS = (sys.argv[1:5] + ["", "", "0", "0"])[:4]
SECONDS, WRITERS = float(SECONDS), int(WRITERS)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


class FormFields(HTMLParser):
    """The fields of the report form (`form.report-form`) as the browser would post them."""

    def __init__(self):
        super().__init__()
        self.in_form = False
        self.fields = []
        self.textarea = None
        self.select = None
        self.select_value = None
        self.submit_action = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "report-form" in (a.get("class") or ""):
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("name") and a.get("type") != "file":
            self.fields.append([a["name"], a.get("value", "")])
        elif tag == "textarea":
            self.textarea = [a.get("name"), ""]
        elif tag == "select":
            self.select = a.get("name")
            self.select_value = None
        elif tag == "option" and self.select:
            if self.select_value is None or "selected" in a:
                self.select_value = a.get("value", "")
        elif tag == "button" and a.get("formaction", "").endswith("/submit"):
            self.submit_action = a["formaction"]

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "textarea" and self.textarea:
            self.fields.append(self.textarea)
            self.textarea = None
        elif tag == "select" and self.select:
            self.fields.append([self.select, self.select_value or ""])
            self.select = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


class Client:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def get(self, path):
        with self.opener.open(BASE + path, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")

    def post(self, path, fields):
        data = urllib.parse.urlencode(fields).encode()
        try:
            with self.opener.open(BASE + path, data=data, timeout=30) as r:
                return r.status, r.headers.get("Location", ""), r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Location", ""), e.read().decode("utf-8", "replace")

    def token(self, html):
        m = re.search(r'name="csrf_token" value="([^"]*)"', html)
        return m.group(1) if m else ""

    def login(self, user):
        _, html = self.get("/login")
        status, _, _ = self.post(
            "/login", [("csrf_token", self.token(html)), ("username", user), ("password", PASSWORD)]
        )
        return status in (302, 303)

    def draft(self):
        """This month's report, if it is still hers to edit: (id, form fields)."""
        _, html = self.get("/reports")
        today = time.gmtime()
        status, loc, _ = self.post(
            "/reports",
            [("csrf_token", self.token(html)), ("year", today.tm_year), ("month", today.tm_mon)],
        )
        m = re.search(r"/reports/(\d+)", loc or "")
        if status not in (302, 303) or not m:
            return None
        rid = m.group(1)
        return rid, self.form(rid)

    def form(self, rid):
        _, html = self.get(f"/reports/{rid}")
        p = FormFields()
        p.feed(html)
        return p if p.submit_action and any(n.startswith("work_") for n, _ in p.fields) else None


def percentile(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main():
    # Secretaries whose report of this month is still a draft with lines.
    writers = []
    for g in range(1, 101):
        for b in range(1, 11):
            if len(writers) == WRITERS:
                break
            c = Client()
            if not c.login(f"s{g:03}{b:02}"):
                continue
            d = c.draft()
            if d and d[1]:
                writers.append((c, d[0]))
        if len(writers) == WRITERS:
            break
    if len(writers) < WRITERS:
        print(f"error only {len(writers)} editable drafts found", file=sys.stderr)
        sys.exit(1)

    save_ms, errors, last_text, also = [], [0], {}, {}
    lock = threading.Lock()
    start_submit = threading.Barrier(len(writers))
    submit_ms = []

    def with_text(fields, text):
        # 本月工作 on every line; what a submission needs filled (进度, 亮点, 问题, 下月计划)
        # filled where empty.
        out = []
        for n, v in fields:
            if n.startswith("work_"):
                v = text
            elif n.startswith("progress_") and not v.strip():
                v = "50"
            elif n in ("highlights", "problems", "next_plan") and not v.strip():
                v = "按计划推进。"
            out.append((n, v))
        return out

    def work(c, rid):
        k = 0
        end = time.monotonic() + SECONDS
        while time.monotonic() < end:
            form = c.form(rid)
            if not form:
                with lock:
                    errors[0] += 1
                break
            k += 1
            text = f"第{k}次保存：{rid}"
            t0 = time.perf_counter()
            status, _, _ = c.post(f"/reports/{rid}", with_text(form.fields, text))
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                save_ms.append(ms)
                if status in (302, 303):
                    last_text[rid] = text
                else:
                    errors[0] += 1
        # Everyone submits at once.
        form = c.form(rid)
        text = f"提交：{rid}"
        start_submit.wait()
        t0 = time.perf_counter()
        status, _, body = c.post(form.submit_action, with_text(form.fields, text)) if form else (0, "", "")
        ms = (time.perf_counter() - t0) * 1000
        with lock:
            submit_ms.append(ms)
            if status in (302, 303):
                last_text[rid] = text
            else:
                # A refused submission may keep what it carried as the draft (the form's
                # input is never thrown away): either text counts.
                also[rid] = text
                errors[0] += 1
                said = re.findall(r'<li><a href="#[^"]*">([^<]*)</a>', body)[:3]
                print(f"submit of report {rid}: {status} {said}", file=sys.stderr)

    threads = [threading.Thread(target=work, args=w) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # Read back: every line shows the text of the last successful write.
    lost = 0
    for c, rid in writers:
        _, html = c.get(f"/reports/{rid}")
        lines = len(re.findall(r'id="line-\d+"', html))
        shown = max(html.count(last_text.get(rid, "\x00")), html.count(also.get(rid, "\x00")))
        if lines > shown:
            print(f"report {rid}: {lines} lines, {shown} show {last_text.get(rid)!r}", file=sys.stderr)
        lost += max(0, lines - shown)
    print(f"writers {len(writers)}")
    print(f"saves {len(save_ms)}")
    print(f"save_p50_ms {percentile(save_ms, 0.5):.1f}")
    print(f"save_p99_ms {percentile(save_ms, 0.99):.1f}")
    print(f"submit_p50_ms {percentile(submit_ms, 0.5):.1f}")
    print(f"submit_p99_ms {percentile(submit_ms, 0.99):.1f}")
    print(f"errors {errors[0]}")
    print(f"lost_lines {lost}")


if __name__ == "__main__":
    main()
