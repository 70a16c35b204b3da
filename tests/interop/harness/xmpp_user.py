"""A Jabber user for the interop tests: slixmpp driven from synchronous code.

slixmpp is asyncio-based; each XmppUser runs its own event loop in a daemon
thread and the methods here hand work to that loop and wait for the result.
Every <message/> received, error stanzas included, lands in a thread-safe
list that tests wait on with a predicate. The user reconnects by itself when
the server goes away (e.g. Prosody restarted), unless told not to.

Presence (RFC 6121): every <presence/> received lands in another list
(wait_presence()); send_presence() and the subscribe/subscribed/
unsubscribe/unsubscribed/probe helpers send exactly what the test says.
slixmpp's automatic subscription handling is off: nothing is approved or
subscribed back unless the test does it.
"""

import asyncio
import copy
import logging
import threading
import time
import xml.etree.ElementTree as ET

from xml.sax.saxutils import escape, quoteattr

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

CLIENT_NS = "jabber:client"
STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

logging.getLogger("slixmpp").setLevel(logging.CRITICAL)


class XmppMessage:
    """One received <message/>, reduced to the fields tests look at."""

    def __init__(self, elem):
        ET.register_namespace("", CLIENT_NS)
        self.xml = ET.tostring(elem, encoding="unicode")
        self.from_ = elem.get("from")
        self.to = elem.get("to")
        self.type = elem.get("type")          # None when absent
        self.id = elem.get("id")
        self.lang = elem.get(XML_LANG)
        self.bodies = {}
        for b in elem.findall("{%s}body" % CLIENT_NS):
            self.bodies[b.get(XML_LANG)] = b.text or ""
        self.body = None
        if self.bodies:
            self.body = self.bodies.get(None, next(iter(self.bodies.values())))
        subj = elem.find("{%s}subject" % CLIENT_NS)
        self.subject = subj.text if subj is not None else None
        thread = elem.find("{%s}thread" % CLIENT_NS)
        self.thread = thread.text if thread is not None else None
        self.delayed = elem.find("{urn:xmpp:delay}delay") is not None
        self.error_type = None
        self.error_condition = None
        self.error_text = None
        err = elem.find("{%s}error" % CLIENT_NS)
        if err is not None:
            self.error_type = err.get("type")
            for child in err:
                if child.tag.startswith("{%s}" % STANZAS_NS):
                    local = child.tag.split("}", 1)[1]
                    if local == "text":
                        self.error_text = child.text
                    elif self.error_condition is None:
                        self.error_condition = local
        self.children = [c.tag for c in elem]
        self.received_at = time.monotonic()

    @property
    def is_error(self):
        """True for type='error' stanzas."""
        return self.type == "error"

    def __repr__(self):
        if self.is_error:
            return "<XmppMessage error %s/%s from=%s text=%r>" % (
                self.error_type, self.error_condition, self.from_,
                self.error_text)
        return "<XmppMessage from=%s type=%s body=%r>" % (
            self.from_, self.type, self.body)


class XmppPresence:
    """One received <presence/>, reduced to the fields tests look at."""

    def __init__(self, elem):
        ET.register_namespace("", CLIENT_NS)
        self.xml = ET.tostring(elem, encoding="unicode")
        self.from_ = elem.get("from")
        self.to = elem.get("to")
        self.type = elem.get("type")          # None: available
        self.id = elem.get("id")
        self.lang = elem.get(XML_LANG)
        show = elem.find("{%s}show" % CLIENT_NS)
        self.show = (show.text or "").strip() if show is not None else None
        self.statuses = {}
        for st in elem.findall("{%s}status" % CLIENT_NS):
            self.statuses[st.get(XML_LANG)] = st.text or ""
        self.status = None
        if self.statuses:
            self.status = self.statuses.get(
                None, next(iter(self.statuses.values())))
        prio = elem.find("{%s}priority" % CLIENT_NS)
        self.priority = None
        if prio is not None:
            try:
                self.priority = int((prio.text or "").strip())
            except ValueError:
                self.priority = prio.text
        self.error_type = None
        self.error_condition = None
        self.error_text = None
        err = elem.find("{%s}error" % CLIENT_NS)
        if err is not None:
            self.error_type = err.get("type")
            for child in err:
                if child.tag.startswith("{%s}" % STANZAS_NS):
                    local = child.tag.split("}", 1)[1]
                    if local == "text":
                        self.error_text = child.text
                    elif self.error_condition is None:
                        self.error_condition = local
        self.children = [c.tag for c in elem]
        self.received_at = time.monotonic()

    @property
    def bare_from(self):
        """from without its resource."""
        return (self.from_ or "").split("/", 1)[0]

    @property
    def resource(self):
        """The resource of from, None for a bare JID."""
        parts = (self.from_ or "").split("/", 1)
        return parts[1] if len(parts) > 1 else None

    @property
    def available(self):
        """True for available presence (no type attribute)."""
        return self.type is None

    def __repr__(self):
        if self.type == "error":
            return "<XmppPresence error %s/%s from=%s>" % (
                self.error_type, self.error_condition, self.from_)
        return "<XmppPresence from=%s type=%s show=%s status=%r prio=%s>" % (
            self.from_, self.type, self.show, self.status, self.priority)


def presence_xml(type=None, to=None, show=None, status=None, priority=None,
                 lang=None, id=None, children=""):
    """The text of a <presence/> stanza (status may be a {lang: text}
    dict for several <status/> elements)."""
    attrs = ""
    if to is not None:
        attrs += " to=%s" % quoteattr(to)
    if type is not None:
        attrs += " type=%s" % quoteattr(type)
    if id is not None:
        attrs += " id=%s" % quoteattr(id)
    if lang is not None:
        attrs += " xml:lang=%s" % quoteattr(lang)
    inner = ""
    if show is not None:
        inner += "<show>%s</show>" % escape(show)
    if isinstance(status, dict):
        for sl, text in status.items():
            if sl is None:
                inner += "<status>%s</status>" % escape(text)
            else:
                inner += "<status xml:lang=%s>%s</status>" % (
                    quoteattr(sl), escape(text))
    elif status is not None:
        inner += "<status>%s</status>" % escape(status)
    if priority is not None:
        inner += "<priority>%d</priority>" % priority
    inner += children
    if inner:
        return "<presence%s>%s</presence>" % (attrs, inner)
    return "<presence%s/>" % attrs


class XmppUser:
    """A slixmpp client usable from plain synchronous test code."""

    def __init__(self, name=None):
        self.name = name
        self.messages = []
        self.presences = []
        self._cond = threading.Condition()
        self._session = threading.Event()
        self._failed = None
        self._closing = False
        self.reconnect = True
        self.sessions = 0            # how many times a session started
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="xmpp-%s" % name)
        self._thread.start()
        self.xmpp = None
        self.host = None
        self.port = None

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def _call(self, func, *args, timeout=10.0):
        """Run func(*args) in the loop thread; return its result."""
        async def wrapper():
            r = func(*args)
            if asyncio.iscoroutine(r):
                r = await r
            return r
        fut = asyncio.run_coroutine_threadsafe(wrapper(), self.loop)
        return fut.result(timeout)

    # ---- connection ----------------------------------------------------

    def connect(self, jid, password, host="127.0.0.1", port=5222,
                timeout=15.0, presence=True):
        """Log in over plaintext (loopback) and send initial presence.

        Initial presence makes the user available, so Prosody delivers
        messages sent to the bare JID, offline storage included.
        presence: True (a bare <presence/>), False (none), or a dict of
        send_presence() arguments (show, status, priority, lang).
        """
        self.jid = jid
        self.host, self.port = host, port
        self._presence = presence
        self._session.clear()
        self._failed = None
        self._call(self._setup, jid, password)
        self._call(self._connect)
        if not self._session.wait(timeout):
            raise TimeoutError("%s: no XMPP session within %.0fs (%s)"
                               % (jid, timeout, self._failed))
        if self._failed:
            raise RuntimeError("%s: %s" % (jid, self._failed))
        return self

    def _setup(self, jid, password):
        x = slixmpp.ClientXMPP(jid, password)
        x.loop = self.loop
        x.register_plugin("xep_0030")
        x.register_plugin("xep_0199")
        x["feature_mechanisms"].unencrypted_plain = True
        x.add_event_handler("session_start", self._on_session)
        x.add_event_handler("failed_auth", self._on_failed_auth)
        x.add_event_handler("disconnected", self._on_disconnected)
        x.add_event_handler("connection_failed", self._on_conn_failed)
        # Not the 'message' event: slixmpp fires it only for stanzas with a
        # <body/>, and tests need error and body-less stanzas too.
        x.register_handler(Callback(
            "sipxmpp-test-all-messages",
            MatchXPath("{%s}message" % CLIENT_NS), self._on_message))
        x.register_handler(Callback(
            "sipxmpp-test-all-presences",
            MatchXPath("{%s}presence" % CLIENT_NS), self._on_presence))
        # The tests decide when a subscription is approved or asked back
        # (None: neither approve nor refuse, RFC 6121 §3.1.3 is theirs).
        x.auto_authorize = None
        x.auto_subscribe = False
        self.xmpp = x

    def _connect(self):
        self.xmpp.connect((self.host, self.port), force_starttls=False,
                          disable_starttls=True)

    async def _on_session(self, _event):
        if self._presence:
            # RFC 6121 §2.1.6: only an "interested resource" (one that
            # asked for the roster) gets subscription approvals and
            # roster pushes, and Prosody enforces it.
            try:
                iq = self.xmpp.make_iq_get(queryxmlns="jabber:iq:roster")
                await iq.send(timeout=5)
            except Exception:   # the session still counts
                pass
        if isinstance(self._presence, dict):
            self.xmpp.send_raw(presence_xml(**self._presence))
        elif self._presence:
            self.xmpp.send_presence()
        self.sessions += 1
        self._session.set()

    def _on_failed_auth(self, _event):
        self._failed = "authentication failed"
        self.reconnect = False
        self._session.set()

    def _on_disconnected(self, _reason):
        self._session.clear()
        if not self._closing and self.reconnect:
            self.loop.call_later(0.3, self._reconnect)

    def _on_conn_failed(self, _err):
        # slixmpp backs off up to minutes; we want to be back quickly.
        if not self._closing and self.reconnect:
            self.xmpp.cancel_connection_attempt()
            self.loop.call_later(0.3, self._reconnect)

    def _reconnect(self):
        if self._closing or self.xmpp is None or self.xmpp.transport:
            return
        self._connect()

    def wait_session(self, timeout=15.0):
        """Wait until a (new) session is established; True if it is."""
        return self._session.wait(timeout)

    @property
    def connected(self):
        """True while a session is up."""
        return self._session.is_set()

    def close(self):
        """Disconnect and stop the loop thread (once: a test may close a
        user that the Deployment closes again at the end)."""
        if not self._thread.is_alive():
            return
        self._closing = True
        if self.xmpp is not None:
            try:
                self._call(lambda: self.xmpp.disconnect(wait=1.0), timeout=5)
                time.sleep(0.2)
            except Exception:
                pass
        async def drain():
            tasks = [t for t in asyncio.all_tasks(self.loop)
                     if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        try:
            asyncio.run_coroutine_threadsafe(drain(), self.loop).result(5)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- receiving ------------------------------------------------------

    def _on_message(self, msg):
        # The stanza's own element keeps its jabber:client namespace;
        # str(msg) would drop it.
        rec = XmppMessage(copy.deepcopy(msg.xml))
        with self._cond:
            self.messages.append(rec)
            self._cond.notify_all()

    def wait_for_message(self, timeout=10.0, predicate=None, pop=False):
        """Wait for a received message matching predicate; None on timeout.

        Messages that arrived before the call count too. With pop=True the
        match is removed from the list so the next wait finds the next one.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, m in enumerate(self.messages):
                    if predicate is None or predicate(m):
                        if pop:
                            del self.messages[i]
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def wait_quiet(self, seconds, predicate=None):
        """Return messages matching predicate received within seconds."""
        time.sleep(seconds)
        return self.received(predicate)

    def received(self, predicate=None):
        """Snapshot of messages received so far (filtered)."""
        with self._cond:
            return [m for m in self.messages
                    if predicate is None or predicate(m)]

    def clear(self):
        """Forget messages received so far."""
        with self._cond:
            self.messages.clear()

    # ---- sending -----------------------------------------------------

    def send_message(self, to, body, subject=None, thread=None, lang=None,
                     mtype="chat", id=None):
        """Send a <message/>; returns its id."""
        def build():
            m = self.xmpp.make_message(mto=to, mbody=body, msubject=subject,
                                       mtype=mtype)
            if thread is not None:
                m["thread"] = thread
            if id is not None:
                m["id"] = id
            elif not m["id"]:
                m["id"] = self.xmpp.new_id()
            if lang is not None:
                m["lang"] = lang
            m.send()
            return m["id"]
        return self._call(build)

    def send_raw(self, xml):
        """Send raw XML on the stream (for stanzas slixmpp won't build)."""
        self._call(lambda: self.xmpp.send_raw(xml))


    # ---- presence ------------------------------------------------------

    def _on_presence(self, pres):
        rec = XmppPresence(copy.deepcopy(pres.xml))
        with self._cond:
            self.presences.append(rec)
            self._cond.notify_all()

    def wait_presence(self, predicate=None, timeout=10.0, start=0,
                      pop=False):
        """Wait for a received presence (index >= start) matching
        predicate(XmppPresence); None on timeout. Presences that arrived
        before the call count too (use presence_mark() for new ones)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, p in enumerate(self.presences[start:], start):
                    if predicate is None or predicate(p):
                        if pop:
                            del self.presences[i]
                        return p
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def presence_mark(self):
        """Number of presences received so far (for start=)."""
        with self._cond:
            return len(self.presences)

    def received_presences(self, predicate=None, start=0):
        """Snapshot of presences received (from index start, filtered)."""
        with self._cond:
            return [p for p in self.presences[start:]
                    if predicate is None or predicate(p)]

    def clear_presences(self):
        """Forget presences received so far."""
        with self._cond:
            self.presences.clear()

    def send_presence(self, type=None, to=None, show=None, status=None,
                      priority=None, lang=None, id=None, children=""):
        """Send a <presence/> built exactly from the arguments."""
        xml = presence_xml(type, to, show, status, priority, lang, id,
                           children)
        self._call(lambda: self.xmpp.send_raw(xml))
        return xml

    def subscribe(self, jid):
        """Ask to see jid's presence (RFC 6121 §3.1.1)."""
        return self.send_presence("subscribe", jid)

    def unsubscribe(self, jid):
        """Stop seeing jid's presence (RFC 6121 §3.3.1)."""
        return self.send_presence("unsubscribe", jid)

    def subscribed(self, jid):
        """Approve jid's subscription request (RFC 6121 §3.1.4)."""
        return self.send_presence("subscribed", jid)

    def unsubscribed(self, jid):
        """Deny or cancel jid's subscription (RFC 6121 §3.2.1)."""
        return self.send_presence("unsubscribed", jid)

    def probe(self, jid):
        """Ask for jid's current presence (RFC 6121 §4.3; Prosody routes a
        client's probe as it is)."""
        return self.send_presence("probe", jid)

    def roster(self, timeout=10.0):
        """Fetch the roster: {bare jid: (subscription, ask)}."""
        async def fetch():
            iq = self.xmpp.make_iq_get(queryxmlns="jabber:iq:roster")
            return await iq.send(timeout=timeout)
        result = self._call(fetch, timeout=timeout + 2)
        out = {}
        q = result.xml.find("{jabber:iq:roster}query")
        for item in (q if q is not None else []):
            out[item.get("jid")] = (item.get("subscription", "none"),
                                    item.get("ask"))
        return out

    def remove_roster_item(self, jid, timeout=10.0):
        """Remove jid from the roster (RFC 6121 §2.5; the server then
        unsubscribes both ways)."""
        async def remove():
            iq = self.xmpp.make_iq_set()
            q = ET.SubElement(iq.xml, "{jabber:iq:roster}query")
            ET.SubElement(q, "{jabber:iq:roster}item",
                          {"jid": jid, "subscription": "remove"})
            return await iq.send(timeout=timeout)
        return self._call(remove, timeout=timeout + 2)
