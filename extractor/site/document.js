// A document page: clicking a record, a value or a listed fact lights its evidence and value
// spans in the article and scrolls to them. The spans are elements written with the page
// (class ev, val or missed; data-start, data-end), so nothing here computes an offset.
(function () {
  "use strict";
  var text = document.getElementById("text");

  function pieces(token) {
    var part = token.split(":");
    return text.querySelectorAll("." + part[0] + '[data-start="' + part[1] + '"][data-end="' + part[2] + '"]');
  }

  function light(source) {
    document.querySelectorAll("#text .lit, .current").forEach(function (element) {
      element.classList.remove("lit", "current");
    });
    source.classList.add("current");
    var first = null;
    source.dataset.spans.split(" ").forEach(function (token) {
      pieces(token).forEach(function (piece) {
        piece.classList.add("lit");
        first = first || piece;
      });
    });
    if (first) {
      first.scrollIntoView({block: "center"});
    }
  }

  document.addEventListener("click", function (event) {
    var source = event.target.closest("[data-spans]");
    if (source) {
      light(source);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("tr[data-spans]")) {
      light(event.target);
    }
  });
})();
