// Entry point of the web page that `metafuse serve` serves at /.
import { render } from 'preact';
import { App } from './components/App';
import { loadMarkdown } from './markdown-lazy';
import { startRouter } from './router';
import './styles.css';

startRouter();
render(<App />, document.getElementById('app')!);

// Fetch the Markdown renderer once the page is up, before a description needs it.
setTimeout(() => void loadMarkdown().catch(() => {}), 300);
