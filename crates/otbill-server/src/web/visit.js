// Live coding preview for the visit form: on every change, post the visit to the preview
// endpoint (same session, CSRF token from the page), which codes and scrubs it as its
// claim would be (the patient's payer rules, episode and latest benefits), and show
// units, modifiers, findings, the reasons and the patient's estimated share. When the
// visit cannot be previewed for its patient (no coverage or plan on the date), the
// services are coded alone. Nothing is stored until the form is submitted.
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

  function fullVisit(v) {
    var patient = document.getElementById("patient");
    var npi = form.querySelector('select[name="provider_npi"]');
    var report = form.querySelector('input[name="progress_report"]');
    var pos = form.querySelector('input[name="place_of_service"]');
    return {
      patient_account: patient ? patient.value : "",
      provider_npi: npi ? npi.value : "",
      date: v.date,
      place_of_service: pos && pos.value ? pos.value : "11",
      progress_report: !!(report && report.checked),
      services: v.services
    };
  }

  function money(s) {
    var n = Number(s);
    return isNaN(n) ? String(s) : "$" + n.toFixed(2);
  }

  function showEstimate(preview, why) {
    var sec = el("section", "estimate");
    sec.id = "estimate";
    sec.appendChild(el("h3", null, "Patient share"));
    if (!preview) {
      sec.appendChild(el("p", "muted", "No estimate" + (why ? ": " + why : "")));
    } else if (preview.scrubbed && preview.scrubbed.estimate) {
      var e = preview.scrubbed.estimate;
      var p = el("p", "share", "Estimated patient share: " + money(e.patient) + " of " + money(e.allowed) + " allowed");
      p.id = "estimate-share";
      sec.appendChild(p);
      (e.steps || []).forEach(function (s) { sec.appendChild(el("p", "muted", s)); });
    } else {
      sec.appendChild(el("p", "muted", "No eligibility response on file for this patient: no estimate."));
    }
    if (preview && preview.rules_source) {
      var r = el("p", "muted", "Payer rules: " + preview.rules_source);
      r.id = "estimate-rules";
      sec.appendChild(r);
    }
    out.appendChild(sec);
  }

  function show(data, ok, preview, why) {
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
    var findings = preview && preview.scrubbed ? preview.scrubbed.findings : data.findings;
    (findings || []).forEach(function (f) {
      ul.appendChild(el("li", "finding " + (f.severity || "").toLowerCase(), f.code + ": " + f.message));
    });
    if (!findings || findings.length === 0) { ul.appendChild(el("li", "muted", "No findings.")); }
    out.appendChild(el("h3", null, "Findings"));
    out.appendChild(ul);
    showEstimate(preview, why);
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      credentials: "same-origin",
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (d) { return { ok: r.ok, data: d }; });
    });
  }

  function refresh() {
    var v = visit();
    if (v.services.length === 0) { return; }
    var mine = ++seq;
    post("/api/v1/visits/preview", fullVisit(v)).then(function (pre) {
      if (pre.ok && pre.data.coded) {
        return { ok: true, data: pre.data.coded, preview: pre.data };
      }
      var e = pre.data && pre.data.error ? pre.data.error : null;
      var why = e ? (e.field ? e.field + ": " : "") + e.message : "";
      return post("/api/v1/visits/code", v).then(function (res) {
        return { ok: res.ok, data: res.data, preview: null, why: why };
      });
    }).then(function (res) {
      if (mine === seq) { show(res.data, res.ok, res.preview, res.why); }
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
