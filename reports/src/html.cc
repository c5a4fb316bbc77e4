// report.html: one self-contained page (inline CSS and JS, no external resource of any kind).
// Sections (each with a stable id): #summary, #areas, #cases, #failures, #traceability,
// #configuration. Every piece of run data goes through HtmlEscape; the script reads only the DOM.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

#include "cloudstate/reports/verdict.h"
#include "cloudstate/reports/writers.h"
#include "text.h"

namespace cloudstate::reports {

using internal::HtmlEscape;

namespace {

constexpr const char* kStyle = R"CSS(
:root{--ok:#1a7f37;--fail:#cf222e;--skip:#8c959f;--xfail:#bf8700;--xpass:#8250df;
--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;--accent:#0b3d91}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 -apple-system,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif;
color:var(--ink);background:var(--bg)}
header.top{background:linear-gradient(120deg,#0b3d91,#155eaf);color:#fff;padding:24px 40px}
header.top h1{margin:0 0 4px;font-size:24px;font-weight:600}
header.top .sub{opacity:.85}
main{max-width:1320px;margin:0 auto;padding:24px 40px 60px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:20px 24px;
margin-bottom:20px}
h2{margin:0 0 14px;font-size:18px;font-weight:600}
.level{display:inline-block;padding:4px 14px;border-radius:20px;font-weight:700;font-size:15px;
text-transform:uppercase;letter-spacing:.04em;color:#fff;vertical-align:middle}
.level.full{background:var(--ok)}.level.required{background:var(--xfail)}
.level.none{background:var(--fail)}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{flex:1 1 120px;border:1px solid var(--line);border-radius:8px;padding:10px 14px;
background:var(--bg)}
.card .n{font-size:26px;font-weight:700}.card .l{color:var(--muted);font-size:12px;
text-transform:uppercase;letter-spacing:.05em}
.card.passed .n{color:var(--ok)}.card.failed .n{color:var(--fail)}
.card.skipped .n{color:var(--skip)}.card.xfail .n{color:var(--xfail)}
.card.xpass .n{color:var(--xpass)}
dl.meta{display:grid;grid-template-columns:200px 1fr;gap:4px 16px;margin:0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;overflow-wrap:anywhere}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:24px}
.bar-row{display:grid;grid-template-columns:150px 1fr 150px 90px;gap:12px;align-items:center;
margin:6px 0}
.bar{display:flex;height:16px;border-radius:4px;overflow:hidden;background:#eaeef2}
.bar span{display:block;height:100%}
.bar .passed{background:var(--ok)}.bar .failed{background:var(--fail)}
.bar .skipped{background:var(--skip)}.bar .xfail{background:var(--xfail)}
.bar .xpass{background:var(--xpass)}
.muted{color:var(--muted)}
.legend span{margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;
border-radius:2px;margin-right:4px;vertical-align:middle}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--bg);font-weight:600;position:sticky;top:0;white-space:nowrap}
th.sortable{cursor:pointer;user-select:none}th.sortable:after{content:" \2195";color:#aaa}
th.asc:after{content:" \2191";color:var(--ink)}th.desc:after{content:" \2193";color:var(--ink)}
tbody tr:hover{background:#f3f6fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td{overflow-wrap:anywhere}td.num,td.nowrap{overflow-wrap:normal;white-space:nowrap}
td.rules{min-width:9em}
td.rules a{white-space:nowrap}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;
color:#fff;white-space:nowrap}
.pill.passed{background:var(--ok)}.pill.failed{background:var(--fail)}
.pill.skipped{background:var(--skip)}.pill.xfail{background:var(--xfail)}
.pill.xpass{background:var(--xpass)}.pill.untested{background:#fff;color:var(--muted);
border:1px dashed var(--skip)}
.pill.full{background:var(--ok)}.pill.required{background:var(--xfail)}
.pill.none{background:var(--fail)}
.filters{display:flex;gap:10px;margin-bottom:12px;flex-wrap:wrap;align-items:center}
.filters input,.filters select{padding:6px 10px;border:1px solid var(--line);border-radius:6px;
font:inherit}
.filters input{flex:1 1 300px}
.failure{border:1px solid var(--line);border-left:4px solid var(--fail);border-radius:6px;
padding:10px 14px;margin:10px 0}
.failure.xfail{border-left-color:var(--xfail)}
.failure summary{cursor:pointer;font-weight:600}
pre{background:#0d1117;color:#e6edf3;padding:12px 14px;border-radius:6px;overflow:auto;
white-space:pre-wrap;word-break:break-word;max-height:480px}
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}
footer{color:var(--muted);text-align:center;font-size:12px}
)CSS";

constexpr const char* kScript = R"JS(
(function(){
  var table=document.getElementById('case-table');
  if(!table){return;}
  var body=table.tBodies[0];
  var q=document.getElementById('filter-text');
  var st=document.getElementById('filter-status');
  var ar=document.getElementById('filter-area');
  var shown=document.getElementById('shown-count');
  function apply(){
    var text=q.value.toLowerCase(),s=st.value,a=ar.value,n=0;
    for(var i=0;i<body.rows.length;i++){
      var r=body.rows[i];
      var ok=(!s||r.getAttribute('data-status')===s)&&(!a||r.getAttribute('data-area')===a)&&
        (!text||r.textContent.toLowerCase().indexOf(text)>=0);
      r.style.display=ok?'':'none';if(ok){n++;}
    }
    shown.textContent=n;
  }
  q.addEventListener('input',apply);st.addEventListener('change',apply);
  ar.addEventListener('change',apply);
  var heads=table.tHead.rows[0].cells;
  for(var h=0;h<heads.length;h++){(function(col,th){
    if(!th.classList.contains('sortable')){return;}
    th.addEventListener('click',function(){
      var asc=!th.classList.contains('asc');
      for(var k=0;k<heads.length;k++){heads[k].classList.remove('asc','desc');}
      th.classList.add(asc?'asc':'desc');
      var rows=Array.prototype.slice.call(body.rows);
      var numeric=th.getAttribute('data-type')==='num';
      rows.sort(function(x,y){
        var a=x.cells[col].getAttribute('data-v')||x.cells[col].textContent;
        var b=y.cells[col].getAttribute('data-v')||y.cells[col].textContent;
        var c=numeric?(parseFloat(a)-parseFloat(b)):a.localeCompare(b);
        return asc?c:-c;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  })(h,heads[h]);}
  apply();
})();
)JS";

std::string Pill(std::string_view cls, std::string_view text) {
  return absl::StrCat("<span class=\"pill ", HtmlEscape(cls), "\">", HtmlEscape(text), "</span>");
}

void Meta(std::string& out, std::string_view key, std::string_view value) {
  absl::StrAppend(&out, "<dt>", HtmlEscape(key), "</dt><dd>",
                  value.empty() ? "<span class=\"muted\">&mdash;</span>" : HtmlEscape(value),
                  "</dd>\n");
}

std::string CaseAnchor(size_t index) { return absl::StrCat("case-", index + 1); }

std::string RuleAnchor(const std::string& id) { return absl::StrCat("rule-", id); }

// The anchor GitHub (and renderers following its slug rules) give the rule's heading
// "### <ID> · <LEVEL> · <title>" in spec/<area>.md: lower case, every character but letters,
// digits, '_', '-' and spaces dropped, spaces turned into '-'.
std::string SpecHeadingSlug(const RuleInfo& r) {
  std::string slug;
  for (char ch : absl::StrCat(r.id, " \xC2\xB7 ", r.level, " \xC2\xB7 ", r.title)) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '_' || c == '-') {
      slug.push_back(static_cast<char>(std::tolower(c)));
    } else if (c == ' ') {
      slug.push_back('-');
    }
  }
  return slug;
}

// Rule ids of a case, each a link to the rule's row in the traceability table.
std::string RuleLinks(const std::vector<std::string>& ids) {
  std::vector<std::string> links;
  for (const std::string& id : ids) {
    links.push_back(
        absl::StrCat("<a href=\"#", HtmlEscape(RuleAnchor(id)), "\">", HtmlEscape(id), "</a>"));
  }
  return absl::StrJoin(links, ", ");
}

// Sort rank so that the status column sorts failures first.
int StatusRank(Outcome o) {
  switch (o) {
    case Outcome::kFailed:
      return 0;
    case Outcome::kUnexpectedPass:
      return 1;
    case Outcome::kExpectedFailure:
      return 2;
    case Outcome::kSkipped:
      return 3;
    case Outcome::kPassed:
      return 4;
  }
  return 5;
}

void BarRow(std::string& out, const std::string& label, const Counts& c, const std::string& tail) {
  const double total = c.total > 0 ? c.total : 1;
  absl::StrAppend(&out, "<div class=\"bar-row\"><div><strong>", HtmlEscape(label),
                  "</strong></div><div class=\"bar\" title=\"",
                  absl::StrFormat("%d passed, %d failed, %d skipped, %d xfail, %d xpass", c.passed,
                                  c.failed, c.skipped, c.expected_failures, c.unexpected_passes),
                  "\">");
  const std::pair<const char*, int> parts[] = {{"passed", c.passed},
                                               {"xpass", c.unexpected_passes},
                                               {"failed", c.failed},
                                               {"xfail", c.expected_failures},
                                               {"skipped", c.skipped}};
  for (const auto& [cls, n] : parts) {
    if (n > 0) {
      absl::StrAppendFormat(&out, "<span class=\"%s\" style=\"width:%.3f%%\"></span>", cls,
                            100.0 * n / total);
    }
  }
  absl::StrAppend(&out, "</div><div class=\"muted\">", c.Succeeded(), "/", c.total,
                  " passed</div><div>", tail, "</div></div>\n");
}

}  // namespace

std::string RenderHtml(const RunResults& run, const std::vector<RuleInfo>& rules) {
  const Verdict v = ComputeVerdict(run, rules);
  const SystemUnderTest& s = run.sut;
  const std::string level = ConformanceLevelName(v.level);
  std::string out;
  absl::StrAppend(&out,
                  "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>Cloudstate ",
                  HtmlEscape(run.protocol_version),
                  " conformance: ", HtmlEscape(s.service_name.empty() ? s.address : s.service_name),
                  "</title>\n<style>", kStyle, "</style>\n</head>\n<body>\n");
  absl::StrAppend(&out, "<header class=\"top\"><h1>Cloudstate ", HtmlEscape(run.protocol_version),
                  " conformance report</h1><div class=\"sub\">",
                  HtmlEscape(s.service_name.empty() ? "(unnamed service)" : s.service_name), " ",
                  HtmlEscape(s.service_version), " &middot; ", HtmlEscape(s.support_library_name),
                  " ", HtmlEscape(s.support_library_version), " &middot; tested by ",
                  HtmlEscape(run.kit_name), " ", HtmlEscape(run.kit_version), " on ",
                  HtmlEscape(run.started_at), "</div></header>\n<main>\n");

  // Summary.
  absl::StrAppend(&out, "<section id=\"summary\"><h2>Summary &nbsp;<span class=\"level ", level,
                  "\">", level, "</span></h2>\n");
  absl::StrAppend(&out,
                  "<p class=\"muted\">Conformance level: <strong>required</strong> = every case "
                  "checking a MUST rule passed; <strong>full</strong> = every case passed. The "
                  "overall level is the lowest among the applicable areas (",
                  HtmlEscape(absl::StrJoin(v.gating_areas, ", ")), ").</p>\n<div class=\"cards\">");
  const std::pair<const char*, std::pair<const char*, int>> cards[] = {
      {"total", {"cases", v.counts.total}},
      {"passed", {"passed", v.counts.passed}},
      {"failed", {"failed", v.counts.failed}},
      {"skipped", {"skipped", v.counts.skipped}},
      {"xfail", {"expected failures", v.counts.expected_failures}},
      {"xpass", {"unexpected passes", v.counts.unexpected_passes}}};
  for (const auto& [cls, lv] : cards) {
    absl::StrAppend(&out, "<div class=\"card ", cls, "\"><div class=\"n\">", lv.second,
                    "</div><div class=\"l\">", lv.first, "</div></div>");
  }
  absl::StrAppend(&out, "</div>\n");
  if (v.robustness_counts.total > 0) {
    // Robustness cases feed inputs no conforming proxy sends; they never change the level above.
    const Counts& r = v.robustness_counts;
    absl::StrAppend(&out, "<p id=\"robustness\">Robustness <span class=\"level robustness-",
                    RobustnessLevelName(v.robustness), "\">", RobustnessLevelName(v.robustness),
                    "</span>: ", r.Succeeded(), " of ", r.total - r.skipped, " passed, ", r.failed,
                    " failed, ", r.expected_failures,
                    " expected failures. <span class=\"muted\">These cases send what a conforming "
                    "proxy never sends; any orderly reaction passes, and they are not part of the "
                    "conformance level.</span></p>\n");
  }
  absl::StrAppend(&out,
                  "<div class=\"grid2\"><div><h3>System under test</h3><dl class=\"meta\">\n");
  Meta(out, "Address", s.address);
  Meta(out, "Service", absl::StrCat(s.service_name, " ", s.service_version));
  Meta(out, "Runtime", s.service_runtime);
  Meta(out, "Support library",
       absl::StrCat(s.support_library_name, " ", s.support_library_version));
  Meta(out, "Protocol version (reported)", s.protocol_version);
  Meta(out, "Entity types", absl::StrJoin(s.declared_entity_types, ", "));
  Meta(out, "Services", absl::StrJoin(s.declared_services, ", "));
  absl::StrAppend(&out, "</dl></div><div><h3>Run</h3><dl class=\"meta\">\n");
  Meta(out, "Kit", absl::StrCat(run.kit_name, " ", run.kit_version));
  Meta(out, "Protocol version (tested)", run.protocol_version);
  Meta(out, "Started", run.started_at);
  Meta(out, "Duration", absl::StrCat(internal::FormatSeconds(run.duration_seconds), " s"));
  Meta(out, "Host", run.host);
  absl::StrAppend(&out, "</dl></div></div></section>\n");

  // Areas.
  absl::StrAppend(&out,
                  "<section id=\"areas\"><h2>Results by area</h2>\n<div class=\"legend muted\">"
                  "<span><i style=\"background:var(--ok)\"></i>passed</span>"
                  "<span><i style=\"background:var(--xpass)\"></i>unexpected pass</span>"
                  "<span><i style=\"background:var(--fail)\"></i>failed</span>"
                  "<span><i style=\"background:var(--xfail)\"></i>expected failure</span>"
                  "<span><i style=\"background:var(--skip)\"></i>skipped</span></div>\n");
  for (const std::string& area : internal::AreasInOrder(run)) {
    const AreaVerdict& a = v.areas.at(area);
    BarRow(out, area, a.counts,
           Pill(ConformanceLevelName(a.level), ConformanceLevelName(a.level)) +
               (a.gating ? ""
                         : " <span class=\"muted\" title=\"not declared by the SUT\">n/a</span>"));
  }
  for (const std::string& area : v.gating_areas) {
    if (v.areas.at(area).counts.total == 0) {
      absl::StrAppend(&out, "<div class=\"bar-row\"><div><strong>", HtmlEscape(area),
                      "</strong></div><div class=\"muted\">declared, but no case covers it</div>"
                      "<div></div><div>",
                      Pill("none", "none"), "</div></div>\n");
    }
  }
  absl::StrAppend(&out, "</section>\n");

  // Cases.
  std::set<std::string> areas;
  for (const CaseResult& c : run.cases) {
    areas.insert(c.area);
  }
  absl::StrAppend(&out,
                  "<section id=\"cases\"><h2>All cases</h2>\n<div class=\"filters\">"
                  "<input id=\"filter-text\" type=\"search\" placeholder=\"Filter by name, rule, "
                  "description&hellip;\" aria-label=\"Filter\">"
                  "<select id=\"filter-status\" aria-label=\"Status\"><option value=\"\">all "
                  "statuses</option>");
  for (const char* st : {"passed", "failed", "skipped", "xfail", "xpass"}) {
    absl::StrAppend(&out, "<option value=\"", st, "\">", st, "</option>");
  }
  absl::StrAppend(&out,
                  "</select><select id=\"filter-area\" aria-label=\"Area\"><option "
                  "value=\"\">all areas</option>");
  for (const std::string& a : areas) {
    absl::StrAppend(&out, "<option value=\"", HtmlEscape(a), "\">", HtmlEscape(a), "</option>");
  }
  absl::StrAppend(&out, "</select><span class=\"muted\"><span id=\"shown-count\">",
                  run.cases.size(), "</span> of ", run.cases.size(), " shown</span></div>\n");
  absl::StrAppend(&out,
                  "<table id=\"case-table\"><thead><tr>"
                  "<th class=\"sortable\">Status</th><th class=\"sortable\">Case</th>"
                  "<th class=\"sortable\">Area</th><th class=\"sortable\">Rules</th>"
                  "<th class=\"sortable\">Level</th>"
                  "<th class=\"sortable\" data-type=\"num\">Duration (ms)</th>"
                  "<th>Description</th></tr></thead>\n<tbody>\n");
  for (size_t i = 0; i < run.cases.size(); ++i) {
    const CaseResult& c = run.cases[i];
    const char* st = OutcomeName(c.outcome);
    absl::StrAppend(
        &out, "<tr id=\"", CaseAnchor(i), "\" data-status=\"", st, "\" data-area=\"",
        HtmlEscape(c.area), "\"><td data-v=\"", StatusRank(c.outcome), "\">", Pill(st, st),
        "</td><td><code>", HtmlEscape(c.name), "</code></td><td class=\"nowrap\">",
        HtmlEscape(c.area), "</td><td class=\"rules\">", RuleLinks(c.rule_ids),
        "</td><td class=\"nowrap\">", CaseLevelName(c.level), "</td><td class=\"num\" data-v=\"",
        internal::FormatSeconds(c.duration_seconds), "\">",
        internal::SecondsToMillis(c.duration_seconds), "</td><td>", HtmlEscape(c.description));
    if (!c.message.empty() && c.outcome != Outcome::kPassed) {
      absl::StrAppend(&out, "<br><span class=\"muted\">", HtmlEscape(c.message), "</span>");
    }
    absl::StrAppend(&out, "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table></section>\n");

  // Failures.
  absl::StrAppend(&out, "<section id=\"failures\"><h2>Failure details</h2>\n");
  bool any_failure = false;
  for (size_t i = 0; i < run.cases.size(); ++i) {
    const CaseResult& c = run.cases[i];
    if (c.outcome != Outcome::kFailed && c.outcome != Outcome::kExpectedFailure) {
      continue;
    }
    any_failure = true;
    const bool xfail = c.outcome == Outcome::kExpectedFailure;
    absl::StrAppend(&out, "<details class=\"failure", xfail ? " xfail" : "", "\"",
                    xfail ? "" : " open", "><summary>",
                    Pill(OutcomeName(c.outcome), OutcomeName(c.outcome)), " <a href=\"#",
                    CaseAnchor(i), "\"><code>", HtmlEscape(c.name),
                    "</code></a> <span "
                    "class=\"muted\">(",
                    HtmlEscape(internal::JoinRuleIds(c.rule_ids)), ")</span></summary>\n<p>",
                    HtmlEscape(c.message), "</p>\n");
    if (!c.hint.empty()) {
      absl::StrAppend(&out, "<p class=\"muted\"><strong>Hint:</strong> ", HtmlEscape(c.hint),
                      "</p>\n");
    }
    if (!c.details.empty()) {
      absl::StrAppend(&out, "<pre>", HtmlEscape(c.details), "</pre>\n");
    }
    absl::StrAppend(&out, "</details>\n");
  }
  if (!any_failure) {
    absl::StrAppend(&out, "<p class=\"muted\">No case failed.</p>\n");
  }
  absl::StrAppend(&out, "</section>\n");

  // Traceability: rule -> cases -> status, including rules no case checks.
  std::map<std::string, std::vector<size_t>> by_rule;
  for (size_t i = 0; i < run.cases.size(); ++i) {
    for (const std::string& id : run.cases[i].rule_ids) {
      by_rule[id].push_back(i);
    }
  }
  std::vector<RuleInfo> matrix;
  std::set<std::string> known;
  for (const RuleInfo& r : rules) {
    known.insert(r.id);
    if (r.level == "RETIRED" && !by_rule.contains(r.id)) {
      continue;
    }
    matrix.push_back(r);
  }
  for (const auto& [id, idx] : by_rule) {
    if (!known.contains(id)) {
      matrix.push_back({.id = id,
                        .level = "?",
                        .area = run.cases[idx.front()].area,
                        .title = "(not in the rule registry)"});
    }
  }
  // The spec text: SPEC_URL/<area>.md#<heading anchor>, when the run recorded where the spec is.
  std::string spec_url;
  if (auto it = run.configuration.find("spec_url"); it != run.configuration.end()) {
    spec_url = it->second;
  }
  while (!spec_url.empty() && spec_url.back() == '/') {
    spec_url.pop_back();
  }
  int untested = 0;
  std::string rows;
  for (const RuleInfo& r : matrix) {
    auto it = by_rule.find(r.id);
    std::string status = "untested";
    std::string cases_html;
    if (it == by_rule.end()) {
      ++untested;
    } else {
      Counts c;
      for (size_t i : it->second) {
        c.Add(run.cases[i].outcome);
        absl::StrAppend(&cases_html, "<a href=\"#", CaseAnchor(i), "\"><code>",
                        HtmlEscape(run.cases[i].name), "</code></a> ",
                        Pill(OutcomeName(run.cases[i].outcome), OutcomeName(run.cases[i].outcome)),
                        "<br>");
      }
      status = c.failed > 0              ? "failed"
               : c.expected_failures > 0 ? "xfail"
               : c.Succeeded() == 0      ? "skipped"
               : c.skipped > 0           ? "skipped"
               : c.unexpected_passes > 0 ? "xpass"
                                         : "passed";
    }
    std::string id_html = absl::StrCat("<code>", HtmlEscape(r.id), "</code>");
    if (!spec_url.empty() && r.level != "?") {
      id_html = absl::StrCat("<a href=\"", HtmlEscape(spec_url), "/", HtmlEscape(r.area), ".md#",
                             HtmlEscape(SpecHeadingSlug(r)), "\" title=\"the rule in the spec\">",
                             id_html, "</a>");
    }
    absl::StrAppend(&rows, "<tr id=\"", HtmlEscape(RuleAnchor(r.id)), "\"><td class=\"nowrap\">",
                    id_html, "</td><td class=\"nowrap\">", HtmlEscape(r.level),
                    "</td><td class=\"nowrap\">", HtmlEscape(r.area), "</td><td>",
                    HtmlEscape(r.title), "</td><td>",
                    cases_html.empty() ? "<span class=\"muted\">none</span>" : cases_html,
                    "</td><td>", Pill(status, status), "</td></tr>\n");
  }
  absl::StrAppend(&out,
                  "<section id=\"traceability\"><h2>Traceability: spec rule &rarr; cases</h2>\n"
                  "<p class=\"muted\">",
                  matrix.size(), " rules, ", untested,
                  " not checked by any case (untested).</p>\n<table><thead><tr><th>Rule</th>"
                  "<th>Level</th><th>Area</th><th>Title</th><th>Cases</th><th>Status</th></tr>"
                  "</thead>\n<tbody>\n",
                  rows, "</tbody></table></section>\n");

  // Configuration.
  absl::StrAppend(&out, "<section id=\"configuration\"><h2>Configuration</h2>\n");
  if (run.configuration.empty()) {
    absl::StrAppend(&out, "<p class=\"muted\">No settings recorded.</p>\n");
  } else {
    absl::StrAppend(&out, "<dl class=\"meta\">\n");
    for (const auto& [k, val] : run.configuration) {
      Meta(out, k, val);
    }
    absl::StrAppend(&out, "</dl>\n");
  }
  absl::StrAppend(&out, "</section>\n<footer>Generated by ", HtmlEscape(run.kit_name), " ",
                  HtmlEscape(run.kit_version),
                  " &middot; self-contained report, no network "
                  "resources</footer>\n</main>\n<script>",
                  kScript, "</script>\n</body>\n</html>\n");
  return out;
}

}  // namespace cloudstate::reports
