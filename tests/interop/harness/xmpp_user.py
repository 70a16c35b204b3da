"""A Jabber user for the interop tests: slixmpp driven from synchronous code.

slixmpp is asyncio-based; each XmppUser runs its own event loop in a daemon
thread and the methods here hand work to that loop and wait for the result.
Every <message/> received, error stanzas included, lands in a thread-safe
list that tests wait on with a predicate. The user reconnects by itself when
the server goes away (e.g. Prosody restarted), unless told not to.
"""

import asyncio
import copy
import logging
import threading
import time
import xml.etree.ElementTree as ET

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


class XmppUser:
    """A slixmpp client usable from plain synchronous test code."""

    def __init__(self, name=None):
        self.name = name
        self.messages = []
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
        self.xmpp = x

    def _connect(self):
        self.xmpp.connect((self.host, self.port), force_starttls=False,
                          disable_starttls=True)

    def _on_session(self, _event):
        if self._presence:
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
        """Disconnect and stop the loop thread."""
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

