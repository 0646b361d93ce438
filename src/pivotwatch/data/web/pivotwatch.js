/* pivotwatch: turn each chart's server-drawn image into an interactive Vega view.

   Progressive enhancement: a page is complete without this script (each chart is an <img> of
   the SVG drawn on the server). For each <figure class="chart" data-vega="URL"> the script
   fetches the chart's Vega spec from this site, renders it off-page, and only once the view
   has rendered puts it in the image's place; on any failure the image stays.

   The Content-Security-Policy forbids eval and new Function, so Vega parses expressions to
   syntax trees (`ast: true`) that vega-interpreter evaluates. Hovering a mark shows its
   tooltip fields (Vega's title tooltip); clicking a mark whose datum has an `href` that is a
   path on this site opens it. The view takes its container's width and follows it. */
(function () {
  "use strict";

  var RESIZE_DELAY_MS = 150;

  // "/x...", never "//host" or "/\host" (a browser reads both as another site), and no
  // control characters or spaces (the URL parser drops tabs and newlines: "/\t/host").
  var SITE_PATH = /^\/(?![\/\\])[^\s\\\u0000-\u001f\u007f]*$/;

  function sitePath(href) {
    if (typeof href !== "string" || !SITE_PATH.test(href)) return null;
    var url = new URL(href, window.location.origin);
    return url.origin === window.location.origin ? url.pathname + url.search + url.hash
                                                 : null;
  }

  // Vega's own loads and links (a spec's data URLs, image marks, an `href` encoding) reach
  // only paths on this site too.
  function siteLoader() {
    var loader = vega.loader();
    var sanitize = loader.sanitize;
    loader.sanitize = function (uri, options) {
      if (!sitePath(uri)) {
        return Promise.reject(new Error("not a path on this site: " + String(uri).slice(0, 80)));
      }
      return sanitize.call(loader, uri, options);
    };
    return loader;
  }

  // A line, area or trail is one path over all its data, and Vega hands its first datum to
  // whatever points at any part of it: its link and tooltip would be the first period's.
  var PATH_MARKS = {line: true, area: true, trail: true};

  function ownDatum(item) {
    return item && item.datum && !(item.mark && PATH_MARKS[item.mark.marktype]);
  }

  function linkOf(item) {
    return ownDatum(item) ? sitePath(item.datum.href) : null;
  }

  // Vega's title tooltip (one "field: value" a line), but none for a path mark.
  function tooltip(handler, event, item, value) {
    var el = handler.element();
    if (!el) return;
    if (value === null || value === undefined || value === "" || !ownDatum(item)) {
      el.removeAttribute("title");
    } else if (typeof value === "object") {
      el.setAttribute("title", Object.keys(value).map(function (key) {
        return key + ": " + value[key];
      }).join("\n"));
    } else {
      el.setAttribute("title", String(value));
    }
  }

  // Vega does not wrap titles: a long one would overflow a phone's width, so its words are
  // broken into lines by an estimate of the characters that fit (bold 13 px, plain 12 px).
  // Nor does it wrap a legend laid out in a row: one without columns gets as many as fit,
  // counting a symbol and its label as one column of LEGEND_COLUMN_PX.
  var TITLE_PX = 7.5, SUBTITLE_PX = 6.5, LEGEND_COLUMN_PX = 170;

  function wrap(text, chars) {
    if (typeof text !== "string" || text.length <= chars) return text;
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > chars) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) lines.push(line);
    return lines;
  }

  function specFor(source, width, alt) {
    var spec = JSON.parse(JSON.stringify(source));
    // the view's total width (axes, legend and padding included) is its container's
    spec.autosize = {type: "fit-x", contains: "padding"};
    spec.width = width;
    if (!spec.description) spec.description = alt;
    var title = spec.title;
    if (typeof title === "string") title = spec.title = {text: title};
    if (title) {
      title.text = wrap(title.text, Math.floor(width / TITLE_PX));
      title.subtitle = wrap(title.subtitle, Math.floor(width / SUBTITLE_PX));
    }
    (spec.legends || []).forEach(function (legend) {
      if (legend.columns === undefined && (legend.orient === "bottom" || legend.orient === "top")) {
        legend.columns = Math.max(1, Math.floor(width / LEGEND_COLUMN_PX));
      }
    });
    return spec;
  }

  // A view drawn off-page at this width; resolves to its element once it has rendered.
  function draw(source, width, alt) {
    var holder = document.createElement("div");
    holder.className = "vega-view";
    var runtime = vega.parse(specFor(source, width, alt), null, {ast: true});
    var view = new vega.View(runtime, {
      expr: vega.expressionInterpreter,
      renderer: "svg",
      container: holder,
      loader: siteLoader(),
      hover: true,
    });
    view.tooltip(tooltip);
    view.addEventListener("click", function (event, item) {
      var href = linkOf(item);
      if (href) window.location.assign(href);
    });
    view.addEventListener("mousemove", function (event, item) {
      holder.classList.toggle("link", linkOf(item) !== null);
    });
    return view.runAsync().then(function () {
      return {holder: holder, view: view};
    }, function (error) {
      view.finalize();
      throw error;
    });
  }

  // Redrawn when the figure's width changes (a rotated phone, a resized window): the titles
  // wrap anew, which a width change alone would not do.
  function follow(figure, source, alt, shown) {
    if (typeof ResizeObserver === "undefined") return;
    var timer = null;
    var last = figure.clientWidth;
    new ResizeObserver(function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var width = figure.clientWidth;
        if (width <= 0 || width === last) return;
        last = width;
        draw(source, width, alt).then(function (next) {
          shown.holder.replaceWith(next.holder);
          shown.view.finalize();
          shown = next;
          figure.setAttribute("data-drawn", width);
        }, function (error) {
          console.warn("pivotwatch: chart not redrawn:", error && error.message);
        });
      }, RESIZE_DELAY_MS);
    }).observe(figure);
  }

  function enhance(figure) {
    var img = figure.querySelector("img");
    var url = sitePath(figure.getAttribute("data-vega"));
    var width = figure.clientWidth;
    if (!img || !url || width <= 0) return Promise.resolve();
    var alt = img.alt;
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) throw new Error("chart " + url + ": " + response.status);
        return response.json();
      })
      .then(function (source) {
        return draw(source, width, alt).then(function (shown) {
          img.replaceWith(shown.holder);
          figure.classList.add("interactive");
          figure.setAttribute("data-drawn", width);  // the width the view was drawn for
          follow(figure, source, alt, shown);
        });
      })
      .catch(function (error) {
        // the image stays; say why for whoever looks at the console
        console.warn("pivotwatch: chart left as an image:", error && error.message);
      });
  }

  function start() {
    if (!window.vega || !vega.View || !vega.expressionInterpreter) return;
    var figures = document.querySelectorAll("figure.chart[data-vega]");
    Array.prototype.forEach.call(figures, enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
