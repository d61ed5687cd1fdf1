// Search page: reads ?q= (and ?soort=, ?igs=), loads Pagefind only when there is something to
// search for, and lists the results. Without JavaScript the form still submits to this page and a
// <noscript> note points to the lists of IGS'en, municipalities and stories.
const form = document.querySelector(".search-form");
const section = document.querySelector(".search-results");
const status = document.getElementById("zoekstatus");
const list = section.querySelector(".result-list");
let pagefind = null;
// Pages of the shards that were changed or removed since: their new version is in the delta bundle.
let hidden = new Set();

function loadPagefind() {
  if (!pagefind) {
    const bundle = new URL(form.dataset.bundle, document.baseURI).href;
    pagefind = import(bundle + "pagefind.js").then(async (module) => {
      await module.options({ baseUrl: form.dataset.base, excerptLength: 24 });
      // A big site's index comes in shards (and edits in a delta): merge them into the main one.
      const shards = await fetch(bundle + "shards.json").then((response) => response.json());
      for (const shard of shards.bundles) {
        await module.mergeIndex(bundle + shard, { baseUrl: form.dataset.base });
      }
      hidden = new Set(shards.hidden);
      return module;
    });
  }
  return pagefind;
}

// Pagefind's excerpts are HTML with <mark> around the hits: keep the text and the marks only.
function excerptNodes(html) {
  const doc = new DOMParser().parseFromString(`<p>${html}</p>`, "text/html");
  const nodes = [];
  for (const node of doc.body.firstChild.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      nodes.push(mark);
    } else {
      nodes.push(document.createTextNode(node.textContent));
    }
  }
  return nodes;
}

function resultItem(data) {
  const item = document.createElement("li");
  if (data.meta.type) {
    const type = document.createElement("p");
    type.className = "result-type";
    type.textContent = data.meta.type;
    item.append(type);
  }
  const heading = document.createElement("h3");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = data.meta.title || data.url;
  heading.append(link);
  const excerpt = document.createElement("p");
  excerpt.append(...excerptNodes(data.excerpt));
  // The excerpt is a window on the page's text: say where text goes on before or after it.
  const shown = excerpt.textContent.trim();
  const content = (data.content || "").replace(/\s+/g, " ").trim();
  const at = shown ? content.indexOf(shown) : -1;
  if (at > 0) excerpt.prepend("… ");
  if (at >= 0 && at + shown.length < content.length) excerpt.append(" …");
  item.append(heading, excerpt);
  return item;
}

function say(text) {
  section.hidden = false;
  status.textContent = text;
}

async function run(params, moveFocus) {
  const query = (params.get("q") || "").trim();
  const filters = {};
  for (const [name, key] of [["soort", "type"], ["igs", "igs"]]) {
    const value = params.get(name) || "";
    form.elements[name].value = value;
    if (form.elements[name].value !== value) form.elements[name].value = "";
    if (form.elements[name].value) filters[key] = form.elements[name].value;
  }
  form.elements.q.value = query;
  list.replaceChildren();
  if (!query) {
    section.hidden = true;
    return;
  }
  say("Even zoeken…");
  try {
    const module = await loadPagefind();
    const search = await module.search(query, { filters });
    const found = search.results.filter((r) => !hidden.has(r.id));
    const results = await Promise.all(found.slice(0, 30).map((r) => r.data()));
    list.replaceChildren(...results.map(resultItem));
    const n = found.length;
    const shown = n > results.length ? ` (de eerste ${results.length})` : "";
    say(n === 0 ? `Geen resultaten voor “${query}”` : `${n} resulta${n === 1 ? "at" : "ten"} voor “${query}”${shown}`);
  } catch (error) {
    say("Zoeken lukt nu niet. Probeer het later opnieuw of blader via de IGS'en en de verhalen.");
    console.error(error);
  }
  if (moveFocus) status.focus();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const params = new URLSearchParams();
  for (const name of ["q", "soort", "igs"]) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  const search = params.toString();
  history.pushState(null, "", search ? `?${search}` : location.pathname);
  run(params, true);
});
window.addEventListener("popstate", () => run(new URLSearchParams(location.search), false));
// Start loading while the visitor types, so the first results come without a wait.
form.elements.q.addEventListener("input", () => loadPagefind(), { once: true });
run(new URLSearchParams(location.search), false);
