// Live coding preview for the visit form: on every change, post the services to the
// coding endpoint (same session, CSRF token from the page) and show units, modifiers,
// findings and the reasons. Nothing is stored until the form is submitted.
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  var out = document.getElementById("preview");
  if (!form || !out) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var timer = null;
  var seq = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function visit() {
    var patient = document.getElementById("patient");
    var opt = patient && patient.options[patient.selectedIndex];
    var services = [];
    var codes = form.querySelectorAll(".svc-code");
    var mins = form.querySelectorAll(".svc-min");
    var asst = form.querySelectorAll(".svc-asst");
    for (var i = 0; i < codes.length; i++) {
      var code = codes[i].value.trim();
      if (!code) { continue; }
      var s = { code: code };
      if (mins[i].value !== "") { s.minutes = parseInt(mins[i].value, 10); }
      if (asst[i].value !== "") { s.assistant_minutes = parseInt(asst[i].value, 10); }
      services.push(s);
    }
    return {
      date: document.getElementById("date").value,
      payer: opt ? opt.getAttribute("data-profile") : "medicare",
      services: services
    };
  }

  function show(data, ok) {
    out.textContent = "";
    if (!ok) {
      var e = data && data.error ? data.error : { message: "could not code the visit" };
      out.appendChild(el("p", "error", (e.field ? e.field + ": " : "") + e.message));
      return;
    }
    out.appendChild(el("p", "units", "Total timed: " + data.total_timed_minutes + " min = " + data.total_timed_units + " unit(s)"));
    out.querySelector(".units").id = "preview-units";
    var table = el("table", "lines");
    var head = el("tr");
    ["Code", "Units", "Modifiers", "Minutes", "Why"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    table.appendChild(head);
    data.lines.forEach(function (l) {
      var tr = el("tr", "line");
      tr.appendChild(el("td", null, l.code));
      tr.appendChild(el("td", "num units-cell", String(l.units)));
      tr.appendChild(el("td", null, (l.modifiers || []).join(" ")));
      tr.appendChild(el("td", "num", String(l.minutes)));
      tr.appendChild(el("td", null, (l.why || []).map(function (w) { return typeof w === "string" ? w : (w.text + (w.source ? " (" + w.source + ")" : "")); }).join(" · ")));
      table.appendChild(tr);
    });
    out.appendChild(table);
    (data.dropped || []).forEach(function (d) {
      out.appendChild(el("p", "muted", d.code + ": not billed"));
    });
    var ul = el("ul", "findings");
    (data.findings || []).forEach(function (f) {
      ul.appendChild(el("li", "finding " + (f.severity || "").toLowerCase(), f.code + ": " + f.message));
    });
    if (!data.findings || data.findings.length === 0) { ul.appendChild(el("li", "muted", "No findings.")); }
    out.appendChild(el("h3", null, "Findings"));
    out.appendChild(ul);
  }

  function refresh() {
    var v = visit();
    if (v.services.length === 0) { return; }
    var mine = ++seq;
    fetch("/api/v1/visits/code", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      credentials: "same-origin",
      body: JSON.stringify(v)
    }).then(function (r) {
      return r.json().then(function (d) { return { ok: r.ok, data: d }; });
    }).then(function (res) {
      if (mine === seq) { show(res.data, res.ok); }
    }).catch(function () {
      if (mine === seq) { show(null, false); }
    });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 50);
  });
})();
