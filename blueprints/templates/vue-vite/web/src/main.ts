import { createApp } from 'vue';
import App from './App.vue';
import './styles.css';

const target = document.getElementById('root');
if (target) createApp(App).mount(target);
