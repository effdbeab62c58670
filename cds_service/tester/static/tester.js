// The tester page: pick or paste an order-sign request, edit the dexrazoxane order, then fire the hooks an
// EHR fires around it, in order: Select (order-select, while the order is chosen), Sign (order-sign), Dispatch
// (order-dispatch, the signed order sent to the infusion pharmacy), or all three at once; see what the EHR
// shows after each. It calls only this service: the hooks, their feedback, DTR $questionnaire-package, and
// the development-only /tester endpoints. Text from the service is inserted as text, or through the escaping
// Markdown renderer (markdown.js); never as raw HTML.
"use strict";

(function () {
  const SERVICES = {
    "order-select": "/cds-services/dexrazoxane-order-select",
    "order-sign": "/cds-services/dexrazoxane-order-sign",
    "order-dispatch": "/cds-services/dexrazoxane-order-dispatch",
  };
  // The hook's answer with its determinations, from one evaluation (tester/routes.py).
  const ANSWER = "/tester/answer";
  // Who the signed order is dispatched to (order-dispatch context.performer).
  const PERFORMER = "Organization/infusion-pharmacy";
  const COVERAGE_INFORMATION = "ext-coverage-information";
  // How a dexrazoxane order names its drug (RxNorm products, HCPCS, ATC, the name), as the service reads it.
  const DEXRAZOXANE_MARKS = ["dexraz", "zinecard", "totect", "1736585", "1736590", "j1190", "v03af02"];
  const $ = function (id) { return document.getElementById(id); };

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(function ([key, value]) {
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function headers() {
    const result = { "Content-Type": "application/json" };
    const token = $("token").value.trim();
    if (token) result.Authorization = "Bearer " + token;
    return result;
  }

  async function call(method, path, body) {
    const response = await fetch(path, {
      method: method, headers: headers(), body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (error) { json = null; }
    return { status: response.status, ok: response.ok, json: json, text: text };
  }

  function problem(result) {
    const issue = result.json && Array.isArray(result.json.issue) ? result.json.issue[0] : null;
    const text = issue ? ((issue.details && issue.details.text) || issue.diagnostics || "") : result.text;
    return "HTTP " + result.status + (text ? ": " + text : "");
  }

  function setStatus(text, isError) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
  }

  // ---- the request and its dexrazoxane order ----

  function readRequest() {
    try {
      const request = JSON.parse($("request").value);
      return request && typeof request === "object" ? request : null;
    } catch (error) { return null; }
  }

  function writeRequest(request) { $("request").value = JSON.stringify(request, null, 2); }

  function draftEntries(request) {
    const bundle = request && request.context ? request.context.draftOrders : null;
    if (!bundle || !bundle.entry) return [];
    return Array.isArray(bundle.entry) ? bundle.entry : [bundle.entry];
  }

  function isDexrazoxane(order) {
    const named = JSON.stringify([order.medicationCodeableConcept, order.medicationReference,
      order.medication, order.contained]).toLowerCase();
    return DEXRAZOXANE_MARKS.some(function (mark) { return named.includes(mark); });
  }

  function dexrazoxaneOrder(request) {
    const entry = draftEntries(request).find(function (e) { return e && e.resource && isDexrazoxane(e.resource); });
    return entry ? entry.resource : null;
  }

  // The dose and timing the form edits: R4 doseAndRate[0].doseQuantity, DSTU2/STU3 doseQuantity.
  function dosage(order, create) {
    if (!Array.isArray(order.dosageInstruction) || !order.dosageInstruction.length) {
      if (!create) return null;
      order.dosageInstruction = [{}];
    }
    return order.dosageInstruction[0];
  }

  function doseQuantity(order, create) {
    const instruction = dosage(order, create);
    if (!instruction) return null;
    if (instruction.doseQuantity || order.resourceType === "MedicationOrder") {
      if (!instruction.doseQuantity && create) instruction.doseQuantity = {};
      return instruction.doseQuantity || null;
    }
    if (!Array.isArray(instruction.doseAndRate) || !instruction.doseAndRate.length) {
      if (!create) return null;
      instruction.doseAndRate = [{}];
    }
    if (!instruction.doseAndRate[0].doseQuantity && create) instruction.doseAndRate[0].doseQuantity = {};
    return instruction.doseAndRate[0].doseQuantity || null;
  }

  function repeat(order, create) {
    const instruction = dosage(order, create);
    if (!instruction) return null;
    if (!instruction.timing && create) instruction.timing = {};
    if (instruction.timing && !instruction.timing.repeat && create) instruction.timing.repeat = {};
    return instruction.timing ? instruction.timing.repeat || null : null;
  }

  function fillForm() {
    const order = dexrazoxaneOrder(readRequest());
    $("order-form").disabled = !order;
    $("order-ref").textContent = order ? order.resourceType + "/" + (order.id || "(no id)") : "(none in the request)";
    const quantity = order ? doseQuantity(order, false) : null;
    const timing = order ? repeat(order, false) : null;
    $("dose-value").value = quantity && quantity.value !== undefined ? quantity.value : "";
    $("dose-unit").value = quantity ? quantity.unit || quantity.code || "" : "";
    $("timing-count").value = timing && timing.count !== undefined ? timing.count : "";
    $("timing-period").value = timing && timing.period !== undefined ? timing.period : "";
    $("timing-unit").value = timing && timing.periodUnit ? timing.periodUnit : "";
  }

  function numberOrNull(text) { return text.trim() === "" ? null : Number(text); }

  function setOrDelete(target, key, value) {
    if (value === null || value === "") delete target[key]; else target[key] = value;
  }

  function formChanged() {
    const request = readRequest();
    const order = dexrazoxaneOrder(request);
    if (!order) return;
    const quantity = doseQuantity(order, true);
    setOrDelete(quantity, "value", numberOrNull($("dose-value").value));
    const unit = $("dose-unit").value.trim();
    setOrDelete(quantity, "unit", unit);
    if (quantity.system === "http://unitsofmeasure.org" || !quantity.system) {
      setOrDelete(quantity, "code", unit);
      if (unit) quantity.system = "http://unitsofmeasure.org";
    }
    const timing = repeat(order, true);
    setOrDelete(timing, "count", numberOrNull($("timing-count").value));
    setOrDelete(timing, "period", numberOrNull($("timing-period").value));
    setOrDelete(timing, "periodUnit", $("timing-unit").value);
    // The free text would contradict the edited dose: drop it, as the service's own proposals do.
    delete dosage(order, true).text;
    writeRequest(request);
  }

  // ---- scenarios ----

  async function loadScenarios() {
    const result = await call("GET", "/tester/scenarios");
    if (!result.ok || !Array.isArray(result.json)) { setStatus("Scenarios: " + problem(result), true); return; }
    result.json.forEach(function (scenario) {
      $("scenario").appendChild(element("option", {
        value: scenario.name, text: scenario.name + "  [" + scenario.expected + "]",
      }));
    });
  }

  async function pickScenario() {
    const name = $("scenario").value;
    if (!name) return;
    const result = await call("GET", "/tester/scenarios/" + name.split("/").map(encodeURIComponent).join("/"));
    if (!result.ok) { setStatus("Scenario: " + problem(result), true); return; }
    writeRequest(result.json);
    fillForm();
    signed = null;
    $("dispatch").disabled = true;
    $("workflow").replaceChildren();
    setStatus("Scenario loaded: sign it.");
  }

  // ---- signing and what comes back ----

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  let current = null;  // { service, request, response, determinations }: what the panels show
  let signed = null;  // { request, response } of the last Sign: what Dispatch sends on

  function reference(resource) { return resource.resourceType + "/" + resource.id; }

  function copyOf(value) { return JSON.parse(JSON.stringify(value)); }

  // order-select: the same session, its dexrazoxane orders selected (as the EHR does when they are picked).
  function selectRequest(request) {
    const select = copyOf(request);
    select.hook = "order-select";
    select.context.selections = draftEntries(request)
      .filter(function (e) { return e && e.resource && e.resource.id && isDexrazoxane(e.resource); })
      .map(function (e) { return reference(e.resource); });
    return select;
  }

  // order-dispatch: the signed orders, now active, carrying the coverage information the EHR applied from the
  // order-sign answer, among the patient's active orders (the medicationRequests prefetch).
  function dispatchRequest(request, response) {
    const orders = draftEntries(request).map(function (e) { return e && e.resource; })
      .filter(function (order) { return order && order.id; })
      .map(function (order) {
        const action = (response.systemActions || []).find(function (a) {
          return a.resource && reference(a.resource) === reference(order);
        });
        const active = copyOf(action ? action.resource : order);
        active.status = "active";
        return active;
      });
    const prefetch = copyOf(request.prefetch || {});
    const refs = orders.map(reference);
    const requests = prefetch.medicationRequests;
    if (requests && requests.resourceType === "Bundle") {
      const entries = Array.isArray(requests.entry) ? requests.entry : (requests.entry ? [requests.entry] : []);
      requests.entry = entries.filter(function (e) { return !(e && e.resource && refs.includes(reference(e.resource))); })
        .concat(orders.map(function (order) { return { resource: order }; }));
      if (typeof requests.total === "number") requests.total = requests.entry.length;
    } else if (requests === null) {  // "no data" before signing: now there are the signed orders
      prefetch.medicationRequests = { resourceType: "Bundle", type: "searchset", entry: orders.map(function (o) { return { resource: o }; }) };
    }
    const dispatch = {
      hook: "order-dispatch",
      context: { patientId: request.context.patientId, dispatchedOrders: refs, performer: PERFORMER },
      prefetch: prefetch,
    };
    ["fhirServer", "fhirAuthorization", "extension"].forEach(function (key) {
      if (request[key] !== undefined) dispatch[key] = copyOf(request[key]);
    });
    return dispatch;
  }

  function assertionIds(response) {
    const found = [];
    (response.systemActions || []).forEach(function (action) {
      ((action.resource || {}).extension || []).filter(function (e) { return (e.url || "").endsWith(COVERAGE_INFORMATION); })
        .forEach(function (e) {
          (e.extension || []).filter(function (p) { return p.url === "coverage-assertion-id"; })
            .forEach(function (p) { found.push(p.valueString); });
        });
    });
    return found;
  }

  function noteStage(hook, result) {
    const cards = result.ok ? (result.json.cards || []) : [];
    const ids = result.ok ? assertionIds(result.json) : [];
    const said = result.ok
      ? (cards.length ? cards[0].summary : "no card") + (ids.length ? " · assertion " + ids.join(", ") : "")
      : problem(result);
    $("workflow").appendChild(element("li", {
      "data-hook": hook, "data-status": String(result.status), "data-assertion": ids.join(","),
      className: result.ok ? "" : "error",
    }, [element("span", { className: "hook", text: hook }), document.createTextNode(" HTTP " + result.status + ": " + said)]));
  }

  // Fires one hook as the EHR would at that moment; shows its answer; returns whether it was answered.
  async function fire(hook) {
    const request = readRequest();
    if (!request) { setStatus("The request is not JSON.", true); return false; }
    if (hook === "order-dispatch" && !signed) { setStatus("Sign the order before dispatching it.", true); return false; }
    const sent = hook === "order-select" ? selectRequest(request)
      : hook === "order-dispatch" ? dispatchRequest(signed.request, signed.response) : copyOf(request);
    sent.hookInstance = uuid();
    if (hook === "order-sign") request.hookInstance = sent.hookInstance;
    setStatus(hook + "…");
    const started = performance.now();
    // One evaluation answers both the cards and the criteria tree (POST /tester/answer: the hook's own answer,
    // from its service's responder, with the determinations behind it), so the FHIR server is read once.
    const answered = await call("POST", ANSWER, sent);
    const elapsed = Math.round(performance.now() - started);
    const result = answered.ok
      ? { status: answered.status, ok: true, json: answered.json.response, text: JSON.stringify(answered.json.response, null, 2) }
      : answered;
    const determination = answered.ok
      ? { ok: true, json: answered.json.determinations, text: JSON.stringify(answered.json.determinations, null, 2) }
      : { ok: false, json: [], text: "" };
    noteStage(hook, result);
    $("response-json").textContent = result.text;
    $("determination-json").textContent = determination.text;
    $("timing").textContent = "POST " + ANSWER + " (the " + SERVICES[hook] + " answer and its determinations): HTTP " + result.status + " in " + elapsed + " ms";
    $("questionnaire").replaceChildren();
    if (!result.ok) {
      $("cards").replaceChildren(element("p", { className: "error", text: problem(result) }));
      $("coverage").replaceChildren();
      setStatus("Refused: " + problem(result), true);
      return false;
    }
    current = { service: SERVICES[hook], request: sent, response: result.json, determinations: determination.ok ? determination.json : [] };
    if (hook === "order-sign") {
      signed = { request: sent, response: result.json };
      $("dispatch").disabled = false;
    }
    renderCards(result.json.cards || []);
    renderCoverage(result.json.systemActions || [], current.determinations);
    renderCriteria(current.determinations);
    const done = { "order-select": "Selected", "order-sign": "Signed", "order-dispatch": "Dispatched" }[hook];
    setStatus(done + ": HTTP " + result.status + " in " + elapsed + " ms.");
    return true;
  }

  async function sign() { await fire("order-sign"); }

  async function walk() {
    $("workflow").replaceChildren();
    for (const hook of ["order-select", "order-sign", "order-dispatch"]) {
      if (!(await fire(hook))) return;
    }
  }

  function link(url, label) {
    if (!/^https?:\/\//i.test(url || "")) return element("span", { text: label });
    return element("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: label });
  }

  function renderCards(cards) {
    const box = $("cards");
    box.replaceChildren();
    if (!cards.length) box.appendChild(element("p", { className: "muted", text: "No cards." }));
    cards.forEach(function (card) {
      const indicator = ["info", "warning", "critical"].includes(card.indicator) ? card.indicator : "info";
      const node = element("article", { className: "card " + indicator, "data-indicator": indicator, "data-uuid": card.uuid || "" }, [
        element("h3", {}, [element("span", { className: "indicator " + indicator, text: indicator }),
          document.createTextNode(card.summary || "")]),
        card.source ? element("div", { className: "source" }, [
          document.createTextNode("Source: "), link(card.source.url, card.source.label || "")]) : null,
      ]);
      if (card.detail) {
        const detail = element("div", { className: "detail" });
        detail.innerHTML = window.renderMarkdown(card.detail);  // escaped first: see markdown.js
        node.appendChild(detail);
      }
      const actions = element("div", { className: "actions" });
      (card.links || []).forEach(function (l) { actions.appendChild(link(l.url, l.label || l.url)); });
      (card.suggestions || []).forEach(function (suggestion) {
        const button = element("button", { type: "button", className: "suggestion", text: suggestion.label || "Apply" });
        button.addEventListener("click", function () { applySuggestion(card, suggestion, node); });
        actions.appendChild(button);
      });
      const dismiss = element("button", { type: "button", className: "dismiss", text: "Dismiss" });
      dismiss.addEventListener("click", function () { dismissCard(card, node); });
      actions.appendChild(dismiss);
      node.appendChild(actions);
      box.appendChild(node);
    });
  }

  async function sendFeedback(item) {
    item.outcomeTimestamp = new Date().toISOString();
    const result = await call("POST", (current ? current.service : SERVICES["order-sign"]) + "/feedback", { feedback: [item] });
    $("feedback").appendChild(element("li", {
      className: result.ok ? "" : "error",
      text: item.outcome + " card " + item.card + ": " + (result.ok ? "recorded (HTTP " + result.status + ")" : problem(result)),
    }));
  }

  function applySuggestion(card, suggestion, node) {
    const request = readRequest();
    if (!request || !request.context || !request.context.draftOrders) return;
    const bundle = request.context.draftOrders;
    const entries = draftEntries(request);
    (suggestion.actions || []).forEach(function (action) {
      const resource = action.resource;
      const same = function (e) {
        return e && e.resource && resource && e.resource.resourceType === resource.resourceType && e.resource.id === resource.id;
      };
      if (action.type === "update" && resource) {
        const index = entries.findIndex(same);
        if (index >= 0) entries[index].resource = resource; else entries.push({ resource: resource });
      } else if (action.type === "create" && resource) {
        entries.push({ resource: resource });
      } else if (action.type === "delete" && action.resourceId) {
        const gone = entries.findIndex(function (e) {
          return e && e.resource && action.resourceId === e.resource.resourceType + "/" + e.resource.id;
        });
        if (gone >= 0) entries.splice(gone, 1);
      }
    });
    bundle.entry = entries;
    writeRequest(request);
    fillForm();
    node.classList.add("accepted");
    setStatus("Suggestion applied to the order: sign again.");
    sendFeedback({ card: card.uuid, outcome: "accepted", acceptedSuggestions: [{ id: suggestion.uuid }] });
  }

  function dismissCard(card, node) {
    node.classList.add("dismissed");
    sendFeedback({ card: card.uuid, outcome: "overridden" });
  }

  // ---- coverage information (Da Vinci CRD ext-coverage-information), decoded ----

  function subValue(sub) {
    const key = Object.keys(sub).find(function (k) { return k.startsWith("value"); });
    const value = key ? sub[key] : undefined;
    if (value && typeof value === "object") {
      return value.reference || value.text || value.code || JSON.stringify(value);
    }
    return value === undefined ? "" : String(value);
  }

  function renderCoverage(actions, determinations) {
    const box = $("coverage");
    box.replaceChildren();
    actions.forEach(function (action) {
      const resource = action.resource || {};
      (resource.extension || []).filter(function (e) { return (e.url || "").endsWith(COVERAGE_INFORMATION); })
        .forEach(function (extension) {
          const values = {};
          (extension.extension || []).forEach(function (sub) {
            values[sub.url] = values[sub.url] ? values[sub.url] + ", " + subValue(sub) : subValue(sub);
          });
          const reference = resource.resourceType + "/" + resource.id;
          const determination = (determinations || []).find(function (d) { return d.order === reference; });
          const approval = determination && determination.approval
            ? determination.approval.start + " to " + determination.approval.end : "";
          const rows = [
            ["Order", reference], ["Decision", determination ? determination.decision : ""],
            ["Covered", values.covered], ["PA needed", values["pa-needed"]],
            ["Documentation", [values["doc-needed"], values["doc-purpose"]].filter(Boolean).join(", ")],
            ["Reason", values.reason], ["Assertion id", values["coverage-assertion-id"]],
            ["Satisfied PA id", values["satisfied-pa-id"]], ["Approval period", approval],
            ["Coverage", values.coverage],
          ].filter(function (row) { return row[1]; });
          const table = element("table", { className: "coverage" }, [element("caption", {
            text: "Coverage information (system action " + (action.type || "") + ")" })]);
          rows.forEach(function (row) {
            table.appendChild(element("tr", { "data-field": row[0] }, [
              element("th", { text: row[0] }), element("td", { text: row[1] })]));
          });
          box.appendChild(table);
          if (values.questionnaire) {
            const open = element("button", { type: "button", className: "questionnaire-open", text: "Open the documentation form" });
            open.addEventListener("click", function () { openQuestionnaire(resource, values); });
            box.appendChild(open);
          }
        });
    });
  }

  // ---- DTR: the pre-filled $questionnaire-package, as a readable form ----

  function findResource(value, type, id) {
    if (!value || typeof value !== "object") return null;
    if (value.resourceType === type && value.id === id) return value;
    for (const child of Object.values(value)) {
      const found = findResource(child, type, id);
      if (found) return found;
    }
    return null;
  }

  async function openQuestionnaire(order, values) {
    const [type, id] = (values.coverage || "").split("/");
    const coverage = findResource(current && current.request.prefetch, type, id) || { resourceType: "Coverage", id: id };
    const parameters = { resourceType: "Parameters", parameter: [
      { name: "coverage", resource: coverage }, { name: "order", resource: order },
      { name: "questionnaire", valueCanonical: values.questionnaire },
      { name: "context", valueString: values["coverage-assertion-id"] },
    ] };
    const result = await call("POST", "/fhir/Questionnaire/$questionnaire-package", parameters);
    const box = $("questionnaire");
    if (!result.ok) { box.replaceChildren(element("p", { className: "error", text: problem(result) })); return; }
    const bundle = (result.json.parameter || []).map(function (p) { return p.resource; }).find(Boolean) || {};
    const resources = (bundle.entry || []).map(function (e) { return e.resource; });
    const questionnaire = resources.find(function (r) { return r && r.resourceType === "Questionnaire"; });
    const response = resources.find(function (r) { return r && r.resourceType === "QuestionnaireResponse"; });
    const answers = {};
    (function collect(items) {
      (items || []).forEach(function (item) { answers[item.linkId] = item.answer; collect(item.item); });
    })(response ? response.item : []);
    const form = element("form", { className: "questionnaire" }, [
      element("h3", { text: questionnaire ? questionnaire.title || questionnaire.name || "Questionnaire" : "Questionnaire" })]);
    (function render(items, parent) {
      (items || []).forEach(function (item) {
        if (item.type === "group") {
          const group = element("fieldset", {}, [element("legend", { text: item.text || item.linkId })]);
          render(item.item, group);
          parent.appendChild(group);
          return;
        }
        const answer = (answers[item.linkId] || [])[0];
        const label = element("label", { text: item.linkId + " " + (item.text || "") + " " });
        if (item.type === "boolean") {
          const select = element("select", { name: item.linkId }, [
            element("option", { value: "", text: "—" }), element("option", { value: "true", text: "yes" }),
            element("option", { value: "false", text: "no" })]);
          if (answer && answer.valueBoolean !== undefined) select.value = String(answer.valueBoolean);
          label.appendChild(select);
        } else {
          const shown = answer ? subValue(answer) : "";
          const input = element("input", { name: item.linkId, value: shown });
          input.readOnly = Boolean(item.readOnly);
          label.appendChild(input);
        }
        parent.appendChild(label);
      });
    })(questionnaire ? questionnaire.item : [], form);
    box.replaceChildren(form);
  }

  // ---- the whole criteria tree (the determination JSON) ----

  // The outcome words of docs/glossary.md (policy/outcome.py OUTCOME_WORDS; a test holds them equal).
  const MARKS = { met: "✓ met", not_met: "✗ not met", unknown: "? not shown — documentation needed" };

  function treeNode(node) {
    const item = element("li", {}, [
      element("span", { className: "outcome " + node.outcome, text: "[" + (MARKS[node.outcome] || node.outcome) + "] " }),
      element("strong", { text: node.id + " " }), document.createTextNode(node.text || ""),
    ]);
    if (node.reason) item.appendChild(element("div", { className: "muted", text: node.reason }));
    if (node.evidence && node.evidence.length) {
      item.appendChild(element("div", { className: "evidence", text: "evidence: " + node.evidence.join(", ") }));
    }
    if (node.children && node.children.length) {
      item.appendChild(element("ul", { className: "tree" }, node.children.map(treeNode)));
    }
    return item;
  }

  function renderCriteria(determinations) {
    const box = $("criteria");
    box.replaceChildren();
    if (!determinations || !determinations.length) {
      box.appendChild(element("p", { className: "muted", text: "No dexrazoxane order: nothing decided." }));
    }
    (determinations || []).forEach(function (d) {
      box.appendChild(element("h4", { text: d.order + ": " + String(d.decision).toUpperCase() + (d.pathway ? " on " + d.pathway : "") }));
      if (d.reason) box.appendChild(element("p", { text: d.reason }));
      const roots = (d.criteria ? [d.criteria] : []).concat(d.related || []);
      box.appendChild(element("ul", { className: "tree" }, roots.map(treeNode)));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("scenario").addEventListener("change", pickScenario);
    $("request").addEventListener("change", fillForm);
    ["dose-value", "dose-unit", "timing-count", "timing-period", "timing-unit"].forEach(function (id) {
      $(id).addEventListener("change", formChanged);
    });
    $("sign").addEventListener("click", sign);
    $("select").addEventListener("click", function () { fire("order-select"); });
    $("dispatch").addEventListener("click", function () { fire("order-dispatch"); });
    $("walk").addEventListener("click", walk);
    loadScenarios();
  });
})();
