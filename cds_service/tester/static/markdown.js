// A small Markdown renderer for card `detail` (CDS Hooks 2.0: GitHub Flavored Markdown), safe by design:
// the text is HTML-escaped first, so nothing a card says becomes markup; only the constructs below are
// produced (headings, nested "-" lists, tables, paragraphs, **bold**, *italic*, `code`, [links](http...)).
// Links keep only http(s) URLs. The page's Content-Security-Policy is a second guard.
"use strict";

(function () {
  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  // What the service escapes in card text that is not Markdown (cds_service/response/markdown.py): a
  // backslash before ASCII punctuation is that character as text, and &amp; &lt; &gt; are those
  // characters. Over text already HTML-escaped, each becomes a character reference, which the rules
  // below do not read as markup.
  function literals(escaped) {
    return escaped
      .replace(/\\([!-\/:-@\[-`{-~])/g, function (_, ch) { return "&#" + ch.charCodeAt(0) + ";"; })
      .replace(/&amp;(amp|lt|gt);/g, "&$1;");
  }

  // Inline markup over already-escaped text.
  function inline(escaped) {
    return literals(escaped)
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\w)/g, "$1<em>$2</em>")
      .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g,
        '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>');
  }

  function cells(line) {
    const inner = line.trim().replace(/^\|/, "").replace(/\|$/, "");
    return inner.split(/(?<!\\)\|/).map(function (cell) { return inline(cell.trim().replace(/\\\|/g, "|")); });
  }

  function renderMarkdown(source) {
    const lines = escapeHtml(String(source || "")).split(/\r?\n/);
    const out = [];
    let paragraph = [];
    let listDepth = -1;
    const flushParagraph = function () {
      if (paragraph.length) out.push("<p>" + inline(paragraph.join(" ")) + "</p>");
      paragraph = [];
    };
    const closeLists = function (depth) {
      while (listDepth > depth) { out.push("</li></ul>"); listDepth -= 1; }
    };
    for (let i = 0; i < lines.length; i += 1) {
      const line = lines[i];
      const heading = /^(#{1,6})\s+(.*)$/.exec(line);
      const item = /^(\s*)[-*]\s+(.*)$/.exec(line);
      if (!line.trim()) { flushParagraph(); closeLists(-1); continue; }
      if (heading) {
        flushParagraph(); closeLists(-1);
        const level = Math.min(heading[1].length + 2, 6);  // inside a card: h3 and smaller
        out.push("<h" + level + ">" + inline(heading[2]) + "</h" + level + ">");
      } else if (item) {
        flushParagraph();
        const depth = Math.floor(item[1].length / 2);
        if (depth > listDepth) {
          while (listDepth < depth) { out.push("<ul>"); listDepth += 1; if (listDepth < depth) out.push("<li>"); }
        } else {
          closeLists(depth);
          out.push("</li>");
        }
        out.push("<li>" + inline(item[2]));
      } else if (/^\s*\|/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{3,}/.test(lines[i + 1])) {
        flushParagraph(); closeLists(-1);
        out.push("<table><thead><tr>" + cells(line).map(function (c) { return "<th>" + c + "</th>"; }).join("") + "</tr></thead><tbody>");
        i += 2;
        while (i < lines.length && /^\s*\|/.test(lines[i])) {
          out.push("<tr>" + cells(lines[i]).map(function (c) { return "<td>" + c + "</td>"; }).join("") + "</tr>");
          i += 1;
        }
        i -= 1;
        out.push("</tbody></table>");
      } else if (listDepth >= 0 && /^\s+/.test(line)) {
        out.push(" " + inline(line.trim()));  // a list item's continuation line
      } else {
        closeLists(-1);
        paragraph.push(line.trim());
      }
    }
    flushParagraph(); closeLists(-1);
    return out.join("");
  }

  window.renderMarkdown = renderMarkdown;
  window.escapeHtml = escapeHtml;
})();
