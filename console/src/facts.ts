/**
 * What the customer already told us — "never ask twice". Typing a question that is already
 * answered shows the answer, who recorded it and when, before anyone asks the customer again; a
 * fact that cites the customer's message it came from links to it in the conversation.
 */
import type { CaseSession, Fact } from '@caseroom/client';
import { h, replace, timeElement } from './dom.js';
import type { People } from './people.js';

/**
 * The message of the conversation a fact came from, when it cites one. Read defensively: facts
 * recorded before citations existed have none, and a malformed one is not a citation.
 */
export function citationOf(fact: Fact): number | null {
  const cites = (fact as { cites?: unknown }).cites;
  return typeof cites === 'number' && Number.isInteger(cites) && cites > 0 ? cites : null;
}

/** Scrolls the conversation to message `seq` and marks it for a moment. */
function showMessage(seq: number): void {
  const item = document.getElementById(`message-${seq}`);
  if (!item) return;
  item.scrollIntoView({ block: 'center', behavior: 'smooth' });
  item.classList.add('cited');
  setTimeout(() => item.classList.remove('cited'), 2000);
}

/** A link to the message a fact cites ("from message 3"), or null when it cites none. */
export function citationLink(fact: Fact): HTMLElement | null {
  const seq = citationOf(fact);
  if (seq === null) return null;
  return h(
    'button',
    { type: 'button', class: 'link cite', 'data-testid': 'fact-cite', 'data-seq': seq, onclick: () => showMessage(seq) },
    `from message ${seq}`,
  );
}

function findFact(session: CaseSession, question: string): [string, Fact] | undefined {
  const wanted = question.trim().toLowerCase();
  if (!wanted) return undefined;
  return Object.entries(session.facts.toJSON()).find(([q]) => q.toLowerCase() === wanted);
}

export function factsPanel(session: CaseSession, people: People): { element: HTMLElement; dispose: () => void } {
  const facts = session.facts;
  const body = h('tbody', {});
  const render = (): void => {
    const entries = Object.entries(facts.toJSON()).sort(([, a], [, b]) => b.at.localeCompare(a.at));
    replace(
      body,
      ...entries.map(([question, fact]) =>
        h(
          'tr',
          { 'data-testid': 'fact', 'data-question': question },
          h('th', { scope: 'row' }, question),
          h('td', {}, fact.answer, ' ', citationLink(fact)),
          h('td', { class: 'muted small' }, h('span', { 'data-testid': 'fact-by' }, people.nameOf(fact.by)), ', ', timeElement(fact.at)),
        ),
      ),
    );
    if (entries.length === 0) replace(body, h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'Nothing recorded yet.')));
    checkQuestion();
  };

  const hint = h('p', { class: 'hint', 'data-testid': 'fact-hint', hidden: true });
  const question = h('input', { required: true, placeholder: 'order number', 'aria-label': 'Question', 'data-testid': 'fact-question' });
  const answer = h('input', { required: true, placeholder: 'A-1001', 'aria-label': 'Answer', 'data-testid': 'fact-answer' });
  const checkQuestion = (): void => {
    const known = findFact(session, question.value);
    hint.hidden = !known;
    if (known)
      replace(
        hint,
        'Already asked: ',
        h('strong', {}, known[1].answer),
        ` (${people.nameOf(known[1].by)}, `,
        timeElement(known[1].at),
        ')',
      );
  };
  question.addEventListener('input', checkQuestion);

  const form = h(
    'form',
    {
      class: 'row',
      'data-testid': 'new-fact-form',
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        const known = findFact(session, question.value);
        facts.record(known?.[0] ?? question.value.trim(), answer.value.trim());
        question.value = '';
        answer.value = '';
        checkQuestion();
        question.focus();
      },
    },
    question,
    answer,
    h('button', { type: 'submit', 'data-testid': 'new-fact-submit' }, 'Record'),
  );

  facts.map.observe(render);
  const offPeople = people.onChange(render);
  render();
  return {
    element: h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Customer facts ', h('span', { class: 'muted small' }, 'never ask twice')),
      h('table', { class: 'facts', 'data-testid': 'facts' }, body),
      form,
      hint,
    ),
    dispose: () => {
      facts.map.unobserve(render);
      offPeople();
    },
  };
}
