// Optional: filter contributions as you type. Without JavaScript the page shows everything.
// A link ending in #filter=WORDS opens the page already filtered.
(function () {
  "use strict";
  var wrap = document.getElementById("filter-wrap");
  var box = document.getElementById("filter");
  var status = document.getElementById("filter-status");
  if (!wrap || !box || !status) { return; }
  var cards = Array.prototype.slice.call(document.querySelectorAll(".contribution"));
  var texts = cards.map(function (card) { return card.textContent.toLowerCase(); });
  var groups = Array.prototype.slice.call(document.querySelectorAll("#contributions .group"));
  function apply() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    cards.forEach(function (card, i) {
      var match = words.every(function (word) { return texts[i].indexOf(word) !== -1; });
      card.hidden = !match;
      if (match) { shown += 1; }
    });
    groups.forEach(function (group) { group.hidden = !group.querySelector(".contribution:not([hidden])"); });
    status.textContent = words.length ? shown + " of " + cards.length + " contributions match" : "";
  }
  wrap.hidden = false;
  box.addEventListener("input", apply);
  if (location.hash.indexOf("#filter=") === 0) {
    try { box.value = decodeURIComponent(location.hash.slice(8)); } catch (error) { box.value = location.hash.slice(8); }
    apply();
  }
})();
