// Entry point: styles, the router's link interception, and the app.
import { render } from 'preact';
import './styles.css';
import { App } from './app.js';
import { interceptLinks } from './lib/router.js';

const root = document.getElementById('app') as HTMLElement;
interceptLinks(root);
render(<App />, root);
