"""The two browsers the page is checked in, behind one small interface.

Chromium is driven by Selenium and chromedriver (Debian's). Firefox is driven
over WebDriver BiDi, which Firefox itself serves (`--remote-debugging-port`):
Debian has no geckodriver, and BiDi needs only a WebSocket client
(python3-websocket). Both report the page's console messages, the requests it
makes and any dialog it raises, so the checks in check_html.py are the same.

Script bodies follow Selenium's convention: a function body that reads
`arguments` and returns a JSON-serialisable value (async ones call the last
argument with theirs).
"""
import base64
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading

WINDOW = (1400, 1000)


class Unavailable(Exception):
    """The browser, its driver or the Python module to drive it is missing."""


class Chromium:
    name = "chromium"

    def __init__(self):
        binary = os.environ.get("RANKTOPO_CHROMIUM", "/usr/bin/chromium")
        chromedriver = os.environ.get("RANKTOPO_CHROMEDRIVER", shutil.which("chromedriver") or "/usr/bin/chromedriver")
        if not os.access(binary, os.X_OK):
            raise Unavailable("no Chromium at " + binary)
        if not os.access(chromedriver, os.X_OK):
            raise Unavailable("no chromedriver at " + chromedriver)
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
        except ImportError:
            raise Unavailable("no Selenium in the Python running this test") from None
        self.profile = tempfile.mkdtemp(prefix="ranktopo-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=%d,%d" % WINDOW, "--user-data-dir=" + self.profile]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(chromedriver), options=options)
        self.driver.set_script_timeout(60)
        self.driver.get("about:blank")
        self.version = self.driver.capabilities.get("browserVersion", "?")
        self.url = None

    def open(self, url):
        self.driver.get_log("browser")  # drop what earlier pages logged
        self.driver.get_log("performance")
        self.url = url
        self.driver.get(url)

    def js(self, body, *args):
        return self.driver.execute_script(body, *args)

    def js_async(self, body, *args):
        return self.driver.execute_async_script(body, *args)

    def click(self, css):
        self.driver.find_element("css selector", css).click()

    def type_and_enter(self, element_id, text):
        from selenium.webdriver.common.keys import Keys
        box = self.driver.find_element("id", element_id)
        box.clear()
        box.send_keys(text, Keys.ENTER)

    def press_right(self, element_id):
        from selenium.webdriver.common.keys import Keys
        self.driver.find_element("id", element_id).send_keys(Keys.ARROW_RIGHT)

    def dialog_raised(self):
        from selenium.common.exceptions import NoAlertPresentException
        try:
            self.driver.switch_to.alert
            return True
        except NoAlertPresentException:
            return False

    def save_screenshot(self, path):
        self.driver.save_screenshot(path)

    def element_png(self, element_id):
        return self.driver.find_element("id", element_id).screenshot_as_png

    def console_problems(self):
        return [e for e in self.driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]

    def page_requests(self):
        requests = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                params = message["params"]
                # What this page asked for, besides itself (the browser's own pages are not it).
                if params.get("documentURL") == self.url and params["request"]["url"] != self.url:
                    requests.append(params["request"]["url"])
        return requests

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


class Firefox:
    """Firefox over WebDriver BiDi: one WebSocket, commands matched to replies by id."""
    name = "firefox"
    KEYS = {"enter": "\ue007", "right": "\ue014"}

    def __init__(self):
        binary = os.environ.get("RANKTOPO_FIREFOX") or shutil.which("firefox-esr") or shutil.which("firefox")
        if not binary or not os.access(binary, os.X_OK):
            raise Unavailable("no Firefox (firefox-esr) on PATH")
        try:
            import websocket
        except ImportError:
            raise Unavailable("no websocket module (python3-websocket) in the Python running this test") from None
        self.profile = tempfile.mkdtemp(prefix="ranktopo-firefox-")
        with open(os.path.join(self.profile, "user.js"), "w") as prefs:
            # Nothing from the network at start (the machine has none): no updates, telemetry, pings.
            for pref, value in [("app.update.disabledForTesting", "true"), ("browser.shell.checkDefaultBrowser", "false"),
                                ("datareporting.policy.dataSubmissionEnabled", "false"),
                                ("toolkit.telemetry.reportingpolicy.firstRun", "false"),
                                ("browser.startup.homepage_override.mstone", '"ignore"'),
                                ("network.captive-portal-service.enabled", "false"),
                                ("network.connectivity-service.enabled", "false")]:
                prefs.write("user_pref(%s, %s);\n" % (json.dumps(pref), value))
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-remote", "--profile", self.profile, "--remote-debugging-port", "0",
             "--window-size", "%d,%d" % WINDOW, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=dict(os.environ, MOZ_HEADLESS="1"))
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.process.stderr], daemon=True).start()
        address = None
        while address is None:
            try:
                line = lines.get(timeout=60)
            except queue.Empty:
                self.quit()
                raise AssertionError("Firefox did not announce its WebDriver BiDi address within 60 s") from None
            found = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
            address = found and found.group(1)
        # No Origin header: Firefox refuses WebSocket handshakes from web origins.
        self.socket = websocket.create_connection(address.rstrip("/") + "/session", timeout=120, suppress_origin=True)
        self.next_id = 0
        self.events = []
        session = self.command("session.new", {"capabilities": {"alwaysMatch": {
            "unhandledPromptBehavior": {"default": "ignore"}}}})
        self.version = session["capabilities"].get("browserVersion", "?")
        self.command("session.subscribe", {"events": ["log.entryAdded", "network.beforeRequestSent",
                                                      "browsingContext.userPromptOpened"]})
        self.context = self.command("browsingContext.getTree", {})["contexts"][0]["context"]
        self.command("browsingContext.setViewport", {"context": self.context,
                                                     "viewport": {"width": WINDOW[0], "height": WINDOW[1]}})
        self.url = None

    def send(self, method, params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        return self.next_id

    def command(self, method, params):
        awaited = self.send(method, params)
        while True:
            message = json.loads(self.socket.recv())
            if message.get("type") == "event":
                self.events.append(message)
                if message["method"] == "browsingContext.userPromptOpened":
                    # Recorded (dialog_raised), then dismissed, so that the page goes on loading.
                    self.send("browsingContext.handleUserPrompt",
                              {"context": message["params"]["context"], "accept": False})
            elif message.get("id") == awaited:
                if message.get("type") == "error":
                    raise AssertionError("Firefox, %s: %s: %s" % (method, message.get("error"), message.get("message")))
                return message["result"]

    def open(self, url):
        self.events.clear()
        self.url = url
        self.command("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def call(self, declaration, args, await_promise=False):
        result = self.command("script.callFunction", {
            "functionDeclaration": declaration, "awaitPromise": await_promise, "target": {"context": self.context},
            "arguments": [{"type": "number" if isinstance(a, (int, float)) else "string", "value": a} for a in args],
            "resultOwnership": "none"})
        if result["type"] == "exception":
            details = result["exceptionDetails"]
            raise AssertionError("script error in Firefox: %s" % details.get("text", details))
        return result["result"]

    def js(self, body, *args):
        wrapped = ("function(...a) { const r = (function() {\n%s\n}).apply(null, a);"
                   " return JSON.stringify(r === undefined ? null : r); }" % body)
        return json.loads(self.call(wrapped, args)["value"])

    def js_async(self, body, *args):
        wrapped = ("function(...a) { return new Promise((done) => { (function() {\n%s\n}).apply(null,"
                   " [...a, (r) => done(JSON.stringify(r === undefined ? null : r))]); }); }" % body)
        return json.loads(self.call(wrapped, args, await_promise=True)["value"])

    def pointer_click(self, x, y):
        self.command("input.performActions", {"context": self.context, "actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "x": x, "y": y, "origin": "viewport"},
                        {"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}]}]})

    def element_centre(self, css):
        centre = self.js("const e = document.querySelector(arguments[0]);"
                         "if (!e) return null; e.scrollIntoView({block: 'center', inline: 'center'});"
                         "const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];", css)
        assert centre is not None, "Firefox: no element %s" % css
        return int(centre[0]), int(centre[1])

    def keys(self, text):
        actions = []
        for key in text:
            actions += [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        self.command("input.performActions", {"context": self.context,
                                              "actions": [{"type": "key", "id": "keyboard", "actions": actions}]})

    def click(self, css):
        self.pointer_click(*self.element_centre(css))

    def type_and_enter(self, element_id, text):
        self.js("document.getElementById(arguments[0]).value = ''", element_id)
        self.click("#" + element_id)
        self.keys(text + self.KEYS["enter"])

    def press_right(self, element_id):
        self.js("document.getElementById(arguments[0]).focus()", element_id)
        self.keys(self.KEYS["right"])

    def dialog_raised(self):
        self.js("return 0")  # a round trip, so that an event sent before it has arrived
        return any(e["method"] == "browsingContext.userPromptOpened" for e in self.events)

    def screenshot(self, clip=None):
        params = {"context": self.context, "origin": "document"}
        if clip:
            params["clip"] = clip
        return base64.b64decode(self.command("browsingContext.captureScreenshot", params)["data"])

    def save_screenshot(self, path):
        with open(path, "wb") as out:
            out.write(self.screenshot())

    def element_png(self, element_id):
        node = self.call("function(id) { return document.getElementById(id); }", [element_id])
        return self.screenshot({"type": "element", "element": {"sharedId": node["sharedId"]}})

    def console_problems(self):
        return [e["params"] for e in self.events
                if e["method"] == "log.entryAdded" and e["params"].get("level") in ("warn", "error")]

    def page_requests(self):
        # data: URLs are the page's own bytes (BiDi reports them; nothing leaves the machine).
        urls = [e["params"]["request"]["url"] for e in self.events if e["method"] == "network.beforeRequestSent"]
        return [u for u in urls if u != self.url and not u.startswith("data:")]

    def quit(self):
        try:
            if getattr(self, "socket", None):
                try:
                    self.command("browser.close", {})
                except Exception:  # it may close the socket before replying
                    pass
                self.socket.close()
        finally:
            if self.process.poll() is None:
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


BROWSERS = {"chromium": Chromium, "firefox": Firefox}
