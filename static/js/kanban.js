// A kanban whose columns are a field of the items (leads by status): cards drag between
// columns (SortableJS); a drop asks the server to change the field, a refused change puts
// the card back where it was and shows the reason.
//
// Markup: .board[data-kanban] with data-move-url-template (an URL with the item id 0),
// data-move-field (the POST field naming the new column) and data-board-query (the board's
// filters, so the answer's totals match them); .column[data-column] holding .column-count,
// .column-sum and .cards[data-column]; .card[data-item].
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const board = document.querySelector(".board[data-kanban]");
  if (!board) return;
  const moveUrl = (id) => board.dataset.moveUrlTemplate.replace("/0/", `/${id}/`);

  const updateTotals = (columns) => {
    board.querySelectorAll(".column").forEach((column) => {
      const totals = columns[column.dataset.column] || { count: 0, total: "0" };
      column.querySelector(".column-count").textContent = totals.count;
      column.querySelector(".column-sum").textContent = totals.total;
    });
  };

  board.querySelectorAll(".cards").forEach((list) => {
    new Sortable(list, {
      group: "kanban",
      draggable: ".card",
      animation: 150,
      sort: false,
      onEnd: async (event) => {
        if (event.from === event.to) return;
        const card = event.item;
        card.classList.add("saving");
        const result = await crm.post(moveUrl(card.dataset.item), {
          [board.dataset.moveField]: event.to.dataset.column,
          board_query: board.dataset.boardQuery,
        });
        card.classList.remove("saving");
        if (result.ok) {
          updateTotals(result.body.columns);
          return;
        }
        // snap back to the old place
        const anchor = event.from.children[event.oldIndex] || null;
        event.from.insertBefore(card, anchor);
        crm.toast(result.body.error || `${result.status}`);
      },
    });
  });
});
