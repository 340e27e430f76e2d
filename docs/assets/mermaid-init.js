// Draws every <div class="mermaid"> of the page (the lifecycle diagrams) with the copy of
// mermaid next to this file, when the page has loaded: no network needed.
mermaid.initialize({ startOnLoad: true, securityLevel: "strict" });
