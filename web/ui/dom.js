// Small DOM helpers, so that text is always set as text, never as HTML.

// el creates an element with attributes and children (nodes or strings).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    e.append(c);
  }
  return e;
}

// setText changes a node's text only when it differs, to spare layout.
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}
